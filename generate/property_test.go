package generate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
)

// propertyServices are the services random usage is drawn from: the ones
// whose resources iamtailor sees most, with path-like names (S3 keys, SSM
// parameters, log streams, IAM paths) among them.
var propertyServices = []string{"s3", "dynamodb", "ssm", "logs", "sqs", "sns", "lambda", "kms", "iam", "secretsmanager", "ec2"}

var propertyRegions = []string{"eu-west-1", "us-east-1", "us-west-2"}
var propertyAccounts = []string{"111122223333", "444455556666"}

// randomARN fills an ARN template with random values. Path-like variables
// get a few "/"-separated segments from a tiny alphabet so that prefixes
// are shared and collapsing happens.
func randomARN(r *rand.Rand, tmpl, partition string) string {
	var b strings.Builder
	for len(tmpl) > 0 {
		start := strings.Index(tmpl, "${")
		if start < 0 {
			b.WriteString(tmpl)
			break
		}
		end := strings.IndexByte(tmpl[start:], '}')
		b.WriteString(tmpl[:start])
		name := tmpl[start+2 : start+end]
		whole := start > 0 && (tmpl[start-1] == ':' || tmpl[start-1] == '/') && (start+end+1 == len(tmpl) || tmpl[start+end+1] == ':' || tmpl[start+end+1] == '/')
		b.WriteString(randomValue(r, name, partition, whole && !pathLike(name)))
		tmpl = tmpl[start+end+1:]
	}
	return b.String()
}

func pathLike(name string) bool {
	for _, s := range []string{"ObjectName", "Key", "ParameterName", "LogStreamName", "WithPath", "LogGroupName"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

func randomValue(r *rand.Rand, name, partition string, flat bool) string {
	switch name {
	case "Partition":
		return partition
	case "Region":
		return propertyRegions[r.IntN(len(propertyRegions))]
	case "Account":
		return propertyAccounts[r.IntN(len(propertyAccounts))]
	}
	word := func() string { return string(rune('a'+r.IntN(3))) + fmt.Sprint(r.IntN(4)) }
	if flat || !pathLike(name) {
		return word() + word()
	}
	segs := 1 + r.IntN(3)
	parts := make([]string, segs)
	for i := range parts {
		parts[i] = word()
	}
	return strings.Join(parts, "/")
}

// propertyCase is one random usage set with the catalog actions of the
// services it touches, and probe resources to test tightness.
type propertyCase struct {
	usage    analyze.PrincipalUsage
	services []string
	probes   []string
}

func randomCase(r *rand.Rand, c *catalog.Catalog) propertyCase {
	var pc propertyCase
	kind := analyze.KindRole
	if r.IntN(4) == 0 {
		kind = analyze.KindUser
	}
	p := role("prop")
	if kind == analyze.KindUser {
		p = user("prop")
	}
	pc.usage.Principal = p
	nsvc := 1 + r.IntN(3)
	perm := r.Perm(len(propertyServices))
	for _, i := range perm[:nsvc] {
		pc.services = append(pc.services, propertyServices[i])
	}
	seen := map[analyze.Access]bool{}
	add := func(o analyze.Observed) {
		if seen[o.Access] {
			return
		}
		seen[o.Access] = true
		pc.usage.Observed = append(pc.usage.Observed, o)
	}
	for _, svcName := range pc.services {
		svc, _ := c.Service(svcName)
		nact := 1 + r.IntN(6)
		for k := 0; k < nact; k++ {
			a := svc.Actions[r.IntN(len(svc.Actions))]
			if !a.TakesResources() {
				add(obs(a.FullName(), "*"))
				continue
			}
			if r.IntN(12) == 0 {
				o := obs(a.FullName(), "*")
				o.ResourceNote = "random: no identifier"
				add(o)
				continue
			}
			rt := a.Resources[r.IntN(len(a.Resources))].Type
			nres := 1 + r.IntN(8)
			if r.IntN(5) == 0 {
				nres = 20 + r.IntN(40)
			}
			for j := 0; j < nres; j++ {
				arn := randomARN(r, rt.ARNs[r.IntN(len(rt.ARNs))], "aws")
				if strings.ContainsAny(arn, "*?") || len(a.ResourceTypesFor(arn)) == 0 {
					continue
				}
				add(obs(a.FullName(), arn))
				// Probes: other resources of the same type, which the
				// policy must not allow unless a listed widening covers
				// them.
				pc.probes = append(pc.probes, randomARN(r, rt.ARNs[r.IntN(len(rt.ARNs))], "aws"))
			}
		}
	}
	// Now and then a whole family of actions (all that one word-boundary
	// wildcard matches) on the same resources, so exact wildcards exist.
	if r.IntN(2) == 0 {
		addFamily(r, c, pc.services[0], add)
	}
	for _, o := range pc.usage.Observed {
		pc.probes = append(pc.probes, o.Resource)
	}
	r.Shuffle(len(pc.usage.Observed), func(i, j int) {
		pc.usage.Observed[i], pc.usage.Observed[j] = pc.usage.Observed[j], pc.usage.Observed[i]
	})
	pc.usage.Events = int64(len(pc.usage.Observed))
	return pc
}

// addFamily adds, on one random resource, every action a wildcard such as
// "svc:GetObjectVersion*" matches, when they all take that resource's type.
func addFamily(r *rand.Rand, c *catalog.Catalog, svcName string, add func(analyze.Observed)) {
	svc, _ := c.Service(svcName)
	for try := 0; try < 20; try++ {
		a := svc.Actions[r.IntN(len(svc.Actions))]
		if !a.TakesResources() {
			continue
		}
		rt := a.Resources[0].Type
		cuts := wordBoundaries(a.Name)
		for i := len(cuts) - 1; i >= 0; i-- {
			matched := c.Match(svc.Prefix + ":" + a.Name[:cuts[i]] + "*")
			if len(matched) < 2 || len(matched) > 8 {
				continue
			}
			ok := true
			for _, m := range matched {
				if _, has := m.ResourceType(rt.Name); !has {
					ok = false
				}
			}
			if !ok {
				continue
			}
			arn := randomARN(r, rt.ARN, "aws")
			if strings.ContainsAny(arn, "*?") || len(a.ResourceTypesFor(arn)) == 0 {
				continue
			}
			for _, m := range matched {
				add(obs(m.FullName(), arn))
			}
			return
		}
	}
}

func randomOptions(r *rand.Rand) Options {
	return Options{
		CollapseThreshold: []int{0, 2, 5, 20}[r.IntN(4)],
		CollapseRegions:   r.IntN(3) == 0,
		CollapseAccounts:  r.IntN(3) == 0,
		ActionWildcards:   r.IntN(2) == 0,
		Inline:            r.IntN(5) == 0,
	}
}

// grantsAction says whether some statement's Action entry matches the
// action, ignoring case as IAM does. It only saves the tightness check from
// asking the evaluator about actions no statement names; the test confirms
// those with the evaluator on "*".
func grantsAction(docs []policy.Document, action string) bool {
	action = strings.ToLower(action)
	for _, d := range docs {
		for _, st := range d.Statements {
			for _, a := range st.Action {
				if globMatch(strings.ToLower(a), action) {
					return true
				}
			}
		}
	}
	return false
}

func compile(docs []policy.Document) *policy.Evaluator {
	var set policy.PolicySet
	for i := range docs {
		set.Identity = append(set.Identity, policy.Named{Name: fmt.Sprintf("generated-%d", i+1), Doc: &docs[i]})
	}
	return policy.Compile(set)
}

// TestPropertySoundAndTight generates policies for random usage and checks
// the promises a user relies on: every observed access is allowed; no
// action outside the observed set is allowed on any probe resource; an
// observed action is allowed on an unobserved resource only where a
// listed widening (or "*" for an action that needs it) explains it; every
// document validates and fits; splitting loses nothing.
func TestPropertySoundAndTight(t *testing.T) {
	c := cat()
	const cases = 300
	// Coverage counters: the test must exercise the rules, not only pass.
	var collapsed, wildcards, split, refused, unscopedSeen int
	defer func() {
		t.Logf("%d cases: %d with widenings, %d with action wildcards, %d split, %d refused by size, %d with unscoped actions",
			cases, collapsed, wildcards, split, refused, unscopedSeen)
		if collapsed == 0 || wildcards == 0 || split == 0 || unscopedSeen == 0 {
			t.Errorf("the random cases do not exercise every rule; change the generator")
		}
	}()
	for seed := uint64(1); seed <= cases; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		pc := randomCase(r, c)
		opts := randomOptions(r)
		res, err := Policies(pc.usage, c, opts)
		if err != nil {
			// Only the size rules may refuse, and only visibly.
			if !strings.Contains(err.Error(), "inline limit") && !strings.Contains(err.Error(), "managed policies") {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if res.Summary.Error == "" || len(res.Documents) != 0 {
				t.Fatalf("seed %d: failure not recorded or documents kept", seed)
			}
			refused++
			continue
		}
		n := res.Summary.Notes
		if len(n.Widened) > 0 {
			collapsed++
		}
		if len(n.Wildcards) > 0 {
			wildcards++
		}
		if len(res.Documents) > 1 {
			split++
		}
		if len(n.Unscoped) > 0 {
			unscopedSeen++
		}
		checkResult(t, res, pc.usage, opts)

		eval := compile(res.Documents)
		allowed := func(action, resource string) bool {
			return eval.Decide(policy.Request{Action: action, Resource: resource}) == policy.Allowed
		}
		observedActions := map[string]bool{}
		observedPairs := map[[2]string]bool{}
		starActions := map[string]bool{}
		for _, o := range pc.usage.Observed {
			name := strings.ToLower(o.Action)
			observedActions[name] = true
			observedPairs[[2]string{name, o.Resource}] = true
			a, _ := c.Action(o.Action)
			if o.Resource == "*" || !a.TakesResources() {
				starActions[name] = true
			}
			if !allowed(o.Action, o.Resource) {
				t.Fatalf("seed %d (%+v): observed %s on %s is not allowed", seed, opts, o.Action, o.Resource)
			}
		}
		for _, svcName := range pc.services {
			svc, _ := c.Service(svcName)
			for _, a := range svc.Actions {
				name := strings.ToLower(a.FullName())
				if !grantsAction(res.Documents, a.FullName()) {
					if d := eval.Decide(policy.Request{Action: a.FullName(), Resource: "*"}); d != policy.ImplicitDeny {
						t.Fatalf("seed %d: %s: no statement names it, yet the evaluator says %s", seed, a.FullName(), d)
					}
					continue
				}
				for _, probe := range append(pc.probes, "*") {
					if eval.Decide(policy.Request{Action: a.FullName(), Resource: probe}) == policy.ImplicitDeny {
						continue
					}
					switch {
					case !observedActions[name]:
						t.Fatalf("seed %d (%+v): unobserved %s allowed on %s", seed, opts, a.FullName(), probe)
					case observedPairs[[2]string{name, probe}] || starActions[name]:
					case widened(res.Summary.Notes.Widened, a.FullName(), probe):
					default:
						t.Fatalf("seed %d (%+v): %s allowed on unobserved %s with no widening listed", seed, opts, a.FullName(), probe)
					}
				}
			}
		}
	}
}

func widened(ws []Widening, action, resource string) bool {
	for _, w := range ws {
		if slices.Contains(w.Actions, action) && globMatch(w.Resource, resource) {
			return true
		}
	}
	return false
}

// TestDeterminism generates twice, and from shuffled inputs, and compares
// every output byte.
func TestDeterminism(t *testing.T) {
	c := cat()
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		var usages []analyze.PrincipalUsage
		for i := 0; i < 4; i++ {
			pc := randomCase(r, c)
			pc.usage.Principal = role(fmt.Sprintf("p%d", i))
			usages = append(usages, pc.usage)
		}
		opts := randomOptions(r)
		opts.Inline = false
		render := func(us []analyze.PrincipalUsage) string {
			run, err := Generate(us, c, opts)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, f := range []Format{FormatJSON, FormatTerraform} {
				files, err := run.Files(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, file := range files {
					b.WriteString(file.Path + "\n")
					b.Write(file.Data)
				}
			}
			return b.String()
		}
		first := render(usages)
		if again := render(usages); again != first {
			t.Fatalf("seed %d: second run differs", seed)
		}
		shuffled := make([]analyze.PrincipalUsage, len(usages))
		for i, u := range usages {
			u.Observed = slices.Clone(u.Observed)
			r.Shuffle(len(u.Observed), func(i, j int) { u.Observed[i], u.Observed[j] = u.Observed[j], u.Observed[i] })
			shuffled[len(usages)-1-i] = u
		}
		if got := render(shuffled); got != first {
			t.Fatalf("seed %d: shuffled input gives different output:\n%s", seed, firstDiff(first, got))
		}
	}
}
