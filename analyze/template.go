package analyze

import (
	"strings"

	"github.com/iamtailor/iamtailor/analyze/catalog"
)

// arnTemplate is one ARN template of a resource type, split into literal
// text and ${Variables}.
type arnTemplate struct {
	rt   *catalog.ResourceType
	segs []templateSeg
	// component of each variable (0 arn, 1 partition, 2 service, 3 region,
	// 4 account, 5 resource), parallel to segs.
}

type templateSeg struct {
	lit       string
	variable  string // set for a ${Variable}
	component int    // ARN component the segment is in: 3 region, 4 account, 5 resource
}

func parseARNTemplate(rt *catalog.ResourceType, s string) arnTemplate {
	t := arnTemplate{rt: rt}
	component := 0
	for len(s) > 0 {
		i := strings.Index(s, "${")
		lit := s
		if i >= 0 {
			lit = s[:i]
		}
		if lit != "" {
			t.segs = append(t.segs, templateSeg{lit: lit, component: component})
			component += strings.Count(lit, ":")
		}
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			t.segs = append(t.segs, templateSeg{lit: s[i:], component: component})
			break
		}
		t.segs = append(t.segs, templateSeg{variable: s[i+2 : i+j], component: component})
		s = s[i+j+1:]
	}
	return t
}

// variables lists the template's variables other than the partition,
// region and account that every ARN takes from the event's context.
func (t *arnTemplate) variables() []string {
	var vs []string
	for _, s := range t.segs {
		if s.variable != "" && !isContextVariable(s) {
			vs = append(vs, s.variable)
		}
	}
	return vs
}

func isContextVariable(s templateSeg) bool {
	switch s.component {
	case 1, 3, 4:
		return true
	}
	return s.variable == "Partition" || s.variable == "Region" || s.variable == "Account"
}

// typeTemplates are one resource type of an action with its parsed
// templates.
type typeTemplates struct {
	rt        *catalog.ResourceType
	required  bool
	templates []arnTemplate
}

func actionTypes(a *catalog.Action) []typeTemplates {
	out := make([]typeTemplates, 0, len(a.Resources))
	for _, ar := range a.Resources {
		tt := typeTemplates{rt: ar.Type, required: ar.Required}
		for _, s := range ar.Type.ARNs {
			tt.templates = append(tt.templates, parseARNTemplate(ar.Type, s))
		}
		out = append(out, tt)
	}
	return out
}
