package iamapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// moto ignores MaxItems, so paging is tested against this fake: it serves
// scripted pages and checks that each request carries the marker of the
// page before it, every entity type and the page size.
type pagedAPI struct {
	t     *testing.T
	pages []page
	calls int
}

type page struct {
	out *iam.GetAccountAuthorizationDetailsOutput
	err error
}

func (f *pagedAPI) GetAccountAuthorizationDetails(_ context.Context, in *iam.GetAccountAuthorizationDetailsInput, _ ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error) {
	f.t.Helper()
	if f.calls >= len(f.pages) {
		f.t.Fatalf("request %d after the last scripted page", f.calls+1)
	}
	wantMarker := ""
	if f.calls > 0 && f.pages[f.calls-1].out != nil {
		wantMarker = aws.ToString(f.pages[f.calls-1].out.Marker)
	}
	if got := aws.ToString(in.Marker); got != wantMarker {
		f.t.Errorf("request %d: Marker %q, want %q", f.calls+1, got, wantMarker)
	}
	if fmt.Sprint(in.Filter) != fmt.Sprint(allEntities) {
		f.t.Errorf("request %d: Filter %v, want every entity type %v", f.calls+1, in.Filter, allEntities)
	}
	if aws.ToInt32(in.MaxItems) != pageSize {
		f.t.Errorf("request %d: MaxItems %v, want %d", f.calls+1, in.MaxItems, pageSize)
	}
	p := f.pages[f.calls]
	f.calls++
	return p.out, p.err
}

// awsEncode percent-encodes as IAM does: every byte outside RFC 3986's
// unreserved set.
func awsEncode(doc string) *string {
	var b strings.Builder
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return aws.String(b.String())
}

const fakeAccount = "arn:aws:iam::111122223333:"

var lastUsed = time.Date(2024, 5, 1, 12, 34, 56, 0, time.FixedZone("CEST", 2*3600))

func fakeDoc(action string) *string {
	return awsEncode(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "` + action + `", "Resource": "*"}]}`)
}

func fakeRole(name string, boundary bool) types.RoleDetail {
	r := types.RoleDetail{
		RoleName:                 aws.String(name),
		Path:                     aws.String("/"),
		RoleId:                   aws.String("AROA" + strings.ToUpper(name)),
		Arn:                      aws.String(fakeAccount + "role/" + name),
		AssumeRolePolicyDocument: awsEncode(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		RolePolicyList:           []types.PolicyDetail{{PolicyName: aws.String(name + "-inline"), PolicyDocument: fakeDoc("sqs:" + name)}},
		AttachedManagedPolicies:  []types.AttachedPolicy{{PolicyName: aws.String("AWSLambdaBasicExecutionRole"), PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}},
	}
	if name == "alpha" {
		r.RoleLastUsed = &types.RoleLastUsed{LastUsedDate: aws.Time(lastUsed), Region: aws.String("eu-west-1")}
		r.Tags = []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}}
		r.InstanceProfileList = []types.InstanceProfile{{InstanceProfileName: aws.String("alpha"), Arn: aws.String(fakeAccount + "instance-profile/alpha")}}
	}
	if boundary {
		r.PermissionsBoundary = &types.AttachedPermissionsBoundary{PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy, PermissionsBoundaryArn: aws.String(fakeAccount + "policy/boundary")}
	}
	return r
}

func fakePolicy(name, arn string, versions ...string) types.ManagedPolicyDetail {
	p := types.ManagedPolicyDetail{PolicyName: aws.String(name), Arn: aws.String(arn), Path: aws.String("/"), IsAttachable: true,
		DefaultVersionId: aws.String(fmt.Sprintf("v%d", len(versions)))}
	if strings.Contains(arn, "/service-role/") {
		p.Path = aws.String("/service-role/")
	}
	for i, action := range versions {
		p.PolicyVersionList = append(p.PolicyVersionList, types.PolicyVersion{
			VersionId: aws.String(fmt.Sprintf("v%d", i+1)), IsDefaultVersion: i == len(versions)-1, Document: fakeDoc(action)})
	}
	return p
}

// fakeEntities is one account: two users (one with a boundary and groups),
// a group, three roles, customer and AWS managed policies.
func fakeEntities() (users []types.UserDetail, groups []types.GroupDetail, roles []types.RoleDetail, policies []types.ManagedPolicyDetail) {
	users = []types.UserDetail{
		{UserName: aws.String("carol"), Path: aws.String("/"), UserId: aws.String("AIDACAROL"), Arn: aws.String(fakeAccount + "user/carol"),
			GroupList:               []string{"ops"},
			UserPolicyList:          []types.PolicyDetail{{PolicyName: aws.String("own"), PolicyDocument: fakeDoc("s3:GetObject")}},
			AttachedManagedPolicies: []types.AttachedPolicy{{PolicyName: aws.String("shared"), PolicyArn: aws.String(fakeAccount + "policy/shared")}},
			PermissionsBoundary:     &types.AttachedPermissionsBoundary{PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy, PermissionsBoundaryArn: aws.String(fakeAccount + "policy/boundary")},
			Tags:                    []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}},
		{UserName: aws.String("dave"), Path: aws.String("/"), UserId: aws.String("AIDADAVE"), Arn: aws.String(fakeAccount + "user/dave")},
	}
	groups = []types.GroupDetail{
		{GroupName: aws.String("ops"), Path: aws.String("/"), GroupId: aws.String("AGPAOPS"), Arn: aws.String(fakeAccount + "group/ops"),
			GroupPolicyList:         []types.PolicyDetail{{PolicyName: aws.String("ops-inline"), PolicyDocument: fakeDoc("ec2:DescribeInstances")}},
			AttachedManagedPolicies: []types.AttachedPolicy{{PolicyName: aws.String("shared"), PolicyArn: aws.String(fakeAccount + "policy/shared")}}},
	}
	roles = []types.RoleDetail{fakeRole("alpha", true), fakeRole("bravo", false), fakeRole("charlie", false)}
	policies = []types.ManagedPolicyDetail{
		fakePolicy("shared", fakeAccount+"policy/shared", "s3:ListBucket", "s3:ListAllMyBuckets"),
		fakePolicy("boundary", fakeAccount+"policy/boundary", "*"),
		fakePolicy("AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "logs:PutLogEvents"),
	}
	return users, groups, roles, policies
}

func onePage() *pagedAPI {
	users, groups, roles, policies := fakeEntities()
	return &pagedAPI{pages: []page{{out: &iam.GetAccountAuthorizationDetailsOutput{
		UserDetailList: users, GroupDetailList: groups, RoleDetailList: roles, Policies: policies}}}}
}

// severalPages spreads the same entities the way IAM does when MaxItems is
// reached mid-list: a page of users, a page mixing groups and a role, a
// page with only roles, a page of policies, and an empty last page.
func severalPages() *pagedAPI {
	users, groups, roles, policies := fakeEntities()
	more := func(marker string, out iam.GetAccountAuthorizationDetailsOutput) page {
		out.IsTruncated, out.Marker = true, aws.String(marker)
		return page{out: &out}
	}
	return &pagedAPI{pages: []page{
		more("m1", iam.GetAccountAuthorizationDetailsOutput{UserDetailList: users}),
		more("m2", iam.GetAccountAuthorizationDetailsOutput{GroupDetailList: groups, RoleDetailList: roles[:1]}),
		more("m3", iam.GetAccountAuthorizationDetailsOutput{RoleDetailList: roles[1:]}),
		more("m4", iam.GetAccountAuthorizationDetailsOutput{Policies: policies}),
		{out: &iam.GetAccountAuthorizationDetailsOutput{}},
	}}
}

func TestReadPaginated(t *testing.T) {
	ctx := context.Background()
	single := onePage()
	single.t = t
	want, err := Read(ctx, single)
	if err != nil {
		t.Fatalf("one page: %v", err)
	}
	paged := severalPages()
	paged.t = t
	got, err := Read(ctx, paged)
	if err != nil {
		t.Fatalf("several pages: %v", err)
	}
	if paged.calls != len(paged.pages) {
		t.Errorf("made %d requests, want %d", paged.calls, len(paged.pages))
	}
	if g, w := dump(t, got), dump(t, want); !bytes.Equal(g, w) {
		t.Errorf("paged result differs from one page:\n%s", firstDifference(g, w, "paged", "one page"))
	}
	if len(got.Users) != 2 || len(got.Groups) != 1 || len(got.Roles) != 3 || len(got.Policies) != 3 {
		t.Errorf("merged %d users, %d groups, %d roles, %d policies; want 2, 1, 3, 3", len(got.Users), len(got.Groups), len(got.Roles), len(got.Policies))
	}
	carol, ok := got.User(fakeAccount + "user/carol")
	if !ok || carol.Boundary == nil || carol.Boundary.ARN != fakeAccount+"policy/boundary" {
		t.Errorf("carol's permissions boundary was not kept: %+v", carol)
	}
	alpha, _ := got.Role(fakeAccount + "role/alpha")
	if alpha == nil || alpha.LastUsed == nil || !alpha.LastUsed.Date.Equal(lastUsed) || alpha.LastUsed.Date.Location() != time.UTC || alpha.LastUsed.Region != "eu-west-1" {
		t.Errorf("alpha's RoleLastUsed should be kept, in UTC: %+v", alpha)
	} else if fmt.Sprint(alpha.Tags) != "[{a 1} {b 2}]" || fmt.Sprint(alpha.InstanceProfiles) != "["+fakeAccount+"instance-profile/alpha]" {
		t.Errorf("alpha's tags (sorted by key) or instance profiles: %v %v", alpha.Tags, alpha.InstanceProfiles)
	}
	if p, _ := got.Policy(fakeAccount + "policy/shared"); p == nil || !strings.Contains(string(p.Document), "s3:ListAllMyBuckets") {
		t.Errorf("shared policy should carry its default version v2: %+v", p)
	}
}

func TestReadPaginationErrors(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
	truncated := func(marker string) page {
		return page{out: &iam.GetAccountAuthorizationDetailsOutput{IsTruncated: true, Marker: aws.String(marker)}}
	}
	tests := []struct {
		name    string
		pages   []page
		wantErr string
		wantAPI bool // the API error must be reachable with errors.As
	}{
		{
			name:    "error mid-pagination is returned wrapped",
			pages:   []page{truncated("m1"), truncated("m2"), {err: throttled}},
			wantErr: "iam GetAccountAuthorizationDetails page 3: api error Throttling: Rate exceeded",
			wantAPI: true,
		},
		{
			name:    "truncated page without a marker",
			pages:   []page{{out: &iam.GetAccountAuthorizationDetailsOutput{IsTruncated: true}}},
			wantErr: "page 1: IsTruncated is true but no Marker",
		},
		{
			name:    "marker on the last page",
			pages:   []page{{out: &iam.GetAccountAuthorizationDetailsOutput{Marker: aws.String("m1")}}},
			wantErr: "page 1: IsTruncated is false but a Marker was returned",
		},
		{
			name:    "a marker seen twice",
			pages:   []page{truncated("m1"), truncated("m2"), truncated("m1")},
			wantErr: `page 3: Marker "m1" was already returned`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &pagedAPI{t: t, pages: tc.pages}
			// The fake expects each request to carry the previous marker;
			// in the loop case the third page repeats m1, and Read must stop
			// before asking for a fourth.
			acc, err := Read(context.Background(), api)
			if err == nil {
				t.Fatalf("Read returned %+v, want an error", acc)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tc.wantErr)
			}
			var apiErr smithy.APIError
			if tc.wantAPI && (!errors.As(err, &apiErr) || apiErr.ErrorCode() != "Throttling") {
				t.Errorf("error %v does not wrap the API error", err)
			}
		})
	}
}
