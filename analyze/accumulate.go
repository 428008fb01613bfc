package analyze

import (
	"cmp"
	"slices"
	"strings"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// accessKey identifies an access while accumulating. An IAM entity named
// without its path has an empty resource and its iam key set: Result
// resolves it to the exact ARN if other rows showed the path, else to the
// pair of ARNs that covers any path.
type accessKey struct {
	action   string
	resource string
	iam      iamKey
}

func keyOf(ma MappedAccess) accessKey {
	if ma.iam != nil {
		return accessKey{action: ma.Action, iam: iamKey{ma.iam.partition, ma.iam.account, ma.iam.kind, ma.iam.name}}
	}
	return accessKey{action: ma.Action, resource: ma.Resource}
}

func (k accessKey) clone() accessKey {
	return accessKey{strings.Clone(k.action), strings.Clone(k.resource),
		iamKey{strings.Clone(k.iam.partition), strings.Clone(k.iam.account), k.iam.kind, strings.Clone(k.iam.name)}}
}

// resolve returns the resources an access key stands for, with the note
// to give them.
func (k accessKey) resolve(known map[iamKey][]string, note string) (resources []string, outNote string, exact bool) {
	if k.iam.name == "" {
		return []string{k.resource}, note, true
	}
	if arns := known[k.iam]; len(arns) > 0 {
		return arns, "", true
	}
	prefix := "arn:" + k.iam.partition + ":iam::" + k.iam.account + ":" + k.iam.kind + "/"
	return []string{prefix + k.iam.name, prefix + "*/" + k.iam.name}, strings.ReplaceAll(noteIAMPath, "%s", k.iam.kind), false
}

type observedAcc struct {
	count, first, last int64
	via                map[string]struct{}
	direct             bool // seen as the call's own action at least once
	note               string
}

type deniedKey struct {
	access             accessKey
	source, name, code string
}

type deniedAcc struct {
	message            string
	count, first, last int64
}

type unprovenKey = deniedKey

type unmappedKey struct {
	pair   eventPair
	reason string
}

type principalAcc struct {
	p                   Principal
	noPolicy            string
	events, first, last int64
	observed            map[accessKey]*observedAcc
	denied              map[deniedKey]*deniedAcc
	unproven            map[unprovenKey]int64
	unmapped            map[unmappedKey]int64
	permissionless      pairCounts
	nonAPI              pairCounts
}

func newPrincipalAcc(p Principal, noPolicy string) *principalAcc {
	return &principalAcc{
		p: p, noPolicy: noPolicy,
		observed:       map[accessKey]*observedAcc{},
		denied:         map[deniedKey]*deniedAcc{},
		unproven:       map[unprovenKey]int64{},
		unmapped:       map[unmappedKey]int64{},
		permissionless: pairCounts{},
		nonAPI:         pairCounts{},
	}
}

func (pa *principalAcc) addObserved(ma MappedAccess, via string, count, first, last int64) {
	k := keyOf(ma)
	o, ok := pa.observed[k]
	if !ok {
		o = &observedAcc{via: map[string]struct{}{}}
		pa.observed[k.clone()] = o
	}
	o.count += count
	o.first = minNonZero(o.first, first)
	o.last = max(o.last, last)
	if _, ok := o.via[via]; !ok {
		o.via[strings.Clone(via)] = struct{}{}
	}
	if !ma.Companion {
		o.direct = true
	}
	if ma.ResourceNote != "" && (o.note == "" || ma.ResourceNote < o.note) {
		o.note = strings.Clone(ma.ResourceNote)
	}
}

func (pa *principalAcc) addDenied(row *store.Row, access Access, iam *iamRef, count, first, last int64) {
	k := deniedKey{access: keyOf(MappedAccess{Access: access, iam: iam}), source: row.EventSource, name: row.EventName, code: row.ErrorCode}
	d, ok := pa.denied[k]
	if !ok {
		d = &deniedAcc{message: strings.Clone(row.ErrorMessage)}
		k = deniedKey{k.access.clone(), strings.Clone(k.source), strings.Clone(k.name), strings.Clone(k.code)}
		pa.denied[k] = d
	}
	if row.ErrorMessage < d.message {
		d.message = strings.Clone(row.ErrorMessage)
	}
	d.count += count
	d.first = minNonZero(d.first, first)
	d.last = max(d.last, last)
}

func (pa *principalAcc) addUnproven(row *store.Row, ma MappedAccess, count int64) {
	k := unprovenKey{access: keyOf(ma), source: row.EventSource, name: row.EventName, code: row.ErrorCode}
	if _, ok := pa.unproven[k]; !ok {
		k = unprovenKey{k.access.clone(), strings.Clone(k.source), strings.Clone(k.name), strings.Clone(k.code)}
	}
	pa.unproven[k] += count
}

func (pa *principalAcc) addUnmapped(pair eventPair, reason string, count int64) {
	k := unmappedKey{pair, reason}
	if _, ok := pa.unmapped[k]; !ok {
		k = unmappedKey{eventPair{strings.Clone(pair.source), strings.Clone(pair.name)}, strings.Clone(reason)}
	}
	pa.unmapped[k] += count
}

// usage builds the principal's sorted usage.
func (pa *principalAcc) usage(known map[iamKey][]string) PrincipalUsage {
	u := PrincipalUsage{
		Principal:      pa.p,
		NoPolicyReason: pa.noPolicy,
		Events:         pa.events,
		FirstSeen:      pa.first,
		LastSeen:       pa.last,
		Observed:       []Observed{},
		Denied:         []Denied{},
		Unproven:       []Unproven{},
		Unmapped:       []Unmapped{},
		Permissionless: pa.permissionless.sorted(),
		NonAPI:         pa.nonAPI.sorted(),
	}

	// Observed: IAM names resolve to exact ARNs; entries that land on the
	// same (action, resource) merge.
	merged := map[Access]*Observed{}
	for k, o := range pa.observed {
		resources, note, _ := k.resolve(known, o.note)
		for _, r := range resources {
			acc := Access{Action: k.action, Resource: r}
			ob, ok := merged[acc]
			if !ok {
				ob = &Observed{Access: acc, Companion: true}
				merged[acc] = ob
			}
			ob.Count += o.count
			ob.FirstSeen = minNonZero(ob.FirstSeen, o.first)
			ob.LastSeen = max(ob.LastSeen, o.last)
			for v := range o.via {
				if !slices.Contains(ob.Via, v) {
					ob.Via = append(ob.Via, v)
				}
			}
			if o.direct {
				ob.Companion = false
			}
			if note != "" && (ob.ResourceNote == "" || note < ob.ResourceNote) {
				ob.ResourceNote = note
			}
		}
	}
	for _, ob := range merged {
		slices.Sort(ob.Via)
		u.Observed = append(u.Observed, *ob)
	}
	slices.SortFunc(u.Observed, func(a, b Observed) int { return compareAccess(a.Access, b.Access) })

	deniedMerged := map[deniedKey]*Denied{}
	for k, d := range pa.denied {
		resources, _, _ := k.access.resolve(known, "")
		for _, r := range resources {
			mk := deniedKey{access: accessKey{action: k.access.action, resource: r}, source: k.source, name: k.name, code: k.code}
			dn, ok := deniedMerged[mk]
			if !ok {
				dn = &Denied{Access: Access{Action: k.access.action, Resource: r}, EventSource: k.source, EventName: k.name, ErrorCode: k.code, Message: d.message}
				deniedMerged[mk] = dn
			}
			if d.message < dn.Message {
				dn.Message = d.message
			}
			dn.Count += d.count
			dn.FirstSeen = minNonZero(dn.FirstSeen, d.first)
			dn.LastSeen = max(dn.LastSeen, d.last)
		}
	}
	for _, d := range deniedMerged {
		u.Denied = append(u.Denied, *d)
	}
	slices.SortFunc(u.Denied, func(a, b Denied) int {
		return cmp.Or(compareAccess(a.Access, b.Access), strings.Compare(a.EventSource, b.EventSource),
			strings.Compare(a.EventName, b.EventName), strings.Compare(a.ErrorCode, b.ErrorCode))
	})

	unprovenMerged := map[deniedKey]int64{}
	for k, n := range pa.unproven {
		resources, _, _ := k.access.resolve(known, "")
		for _, r := range resources {
			unprovenMerged[deniedKey{access: accessKey{action: k.access.action, resource: r}, source: k.source, name: k.name, code: k.code}] += n
		}
	}
	for k, n := range unprovenMerged {
		u.Unproven = append(u.Unproven, Unproven{Access: Access{Action: k.access.action, Resource: k.access.resource}, EventSource: k.source, EventName: k.name, ErrorCode: k.code, Count: n})
	}
	slices.SortFunc(u.Unproven, func(a, b Unproven) int {
		return cmp.Or(compareAccess(a.Access, b.Access), strings.Compare(a.EventSource, b.EventSource),
			strings.Compare(a.EventName, b.EventName), strings.Compare(a.ErrorCode, b.ErrorCode))
	})

	for k, n := range pa.unmapped {
		u.Unmapped = append(u.Unmapped, Unmapped{EventSource: k.pair.source, EventName: k.pair.name, Reason: k.reason, Count: n})
	}
	slices.SortFunc(u.Unmapped, func(a, b Unmapped) int {
		return cmp.Or(strings.Compare(a.EventSource, b.EventSource), strings.Compare(a.EventName, b.EventName), strings.Compare(a.Reason, b.Reason))
	})
	return u
}

func compareAccess(a, b Access) int {
	return cmp.Or(strings.Compare(a.Action, b.Action), strings.Compare(a.Resource, b.Resource))
}
