package analyze

import (
	"strings"
	"sync"

	"github.com/iamtailor/iamtailor/analyze/catalog"
)

// ARN matching through the catalog costs microseconds per call, and the
// same ARNs recur across rows (one per day and principal), so the mapper
// remembers the answers. The caches are bounded: when one fills up it is
// emptied and refilled by use.
const maxFitCache = 1 << 16

type fitCache struct {
	mu    sync.Mutex
	fits  map[fitKey]bool
	types map[typesKey][]*catalog.ResourceType
}

type fitKey struct {
	rt  *catalog.ResourceType
	arn string
}

type typesKey struct {
	act *catalog.Action
	arn string
}

// matches is rt.Matches(arn), remembered.
func (m *Mapper) matches(rt *catalog.ResourceType, arn string) bool {
	c := &m.fit
	k := fitKey{rt, arn}
	c.mu.Lock()
	v, ok := c.fits[k]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = rt.Matches(arn)
	c.mu.Lock()
	if c.fits == nil || len(c.fits) >= maxFitCache {
		c.fits = make(map[fitKey]bool, 1024)
	}
	c.fits[fitKey{rt, strings.Clone(arn)}] = v
	c.mu.Unlock()
	return v
}

// typesFor is a.ResourceTypesFor(arn), remembered, and answered at once
// for an ARN of another service than all of the action's types.
func (m *Mapper) typesFor(a *catalog.Action, arn string) []*catalog.ResourceType {
	if !sameServiceAsSomeType(a, arn) {
		return nil
	}
	c := &m.fit
	k := typesKey{a, arn}
	c.mu.Lock()
	v, ok := c.types[k]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = a.ResourceTypesFor(arn)
	c.mu.Lock()
	if c.types == nil || len(c.types) >= maxFitCache {
		c.types = make(map[typesKey][]*catalog.ResourceType, 1024)
	}
	c.types[typesKey{a, strings.Clone(arn)}] = v
	c.mu.Unlock()
	return v
}

// sameServiceAsSomeType reports whether an ARN's service component (the
// third) is the service of one of the action's resource type templates.
func sameServiceAsSomeType(a *catalog.Action, arn string) bool {
	svc := arnService(arn)
	if svc == "" {
		return false
	}
	for _, ar := range a.Resources {
		for _, t := range ar.Type.ARNs {
			if arnService(t) == svc {
				return true
			}
		}
	}
	return false
}

func arnService(arn string) string {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return ""
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return ""
	}
	rest = rest[i+1:]
	j := strings.IndexByte(rest, ':')
	if j < 0 {
		return ""
	}
	return rest[:j]
}
