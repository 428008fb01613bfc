package iamapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamtailor/iamtailor/ingest/authz"
)

// API is the one IAM call the reader makes; *iam.Client satisfies it. The
// caller needs iam:GetAccountAuthorizationDetails and nothing else.
type API interface {
	GetAccountAuthorizationDetails(ctx context.Context, in *iam.GetAccountAuthorizationDetailsInput, optFns ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error)
}

// pageSize is the largest MaxItems IAM accepts for this call.
const pageSize = 1000

// allEntities asks for every entity type. An empty filter means the same
// to IAM; naming them keeps the request explicit, and AWSManagedPolicy is
// what brings the AWS managed policies in use (IAM lists only those
// attached to something) into Policies.
var allEntities = []types.EntityType{
	types.EntityTypeUser,
	types.EntityTypeRole,
	types.EntityTypeGroup,
	types.EntityTypeLocalManagedPolicy,
	types.EntityTypeAWSManagedPolicy,
}

// Read fetches every page of GetAccountAuthorizationDetails and returns the
// account it describes. Throttling and transient errors are retried by the
// client's retryer (the SDK's standard one unless cmd configures another);
// any error that remains ends the read, wrapped with the page it happened
// on: a partial listing would make unused permissions look granted or
// granted ones look missing.
func Read(ctx context.Context, client API) (*authz.Account, error) {
	var details authz.Details
	var marker *string
	seen := map[string]bool{}
	for page := 1; ; page++ {
		out, err := client.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{
			Filter:   allEntities,
			MaxItems: aws.Int32(pageSize),
			Marker:   marker,
		})
		if err != nil {
			return nil, fmt.Errorf("iam GetAccountAuthorizationDetails page %d: %w", page, err)
		}
		appendPage(&details, out)
		next := aws.ToString(out.Marker)
		if !out.IsTruncated {
			if next != "" {
				return nil, fmt.Errorf("iam GetAccountAuthorizationDetails page %d: IsTruncated is false but a Marker was returned; refusing a listing that may be partial", page)
			}
			break
		}
		if next == "" {
			return nil, fmt.Errorf("iam GetAccountAuthorizationDetails page %d: IsTruncated is true but no Marker was returned", page)
		}
		if seen[next] {
			return nil, fmt.Errorf("iam GetAccountAuthorizationDetails page %d: Marker %q was already returned; stopping a loop", page, next)
		}
		seen[next] = true
		marker = aws.String(next)
	}
	acc, err := authz.FromDetails(&details)
	if err != nil {
		return nil, fmt.Errorf("iam GetAccountAuthorizationDetails: %w", err)
	}
	return acc, nil
}

func appendPage(d *authz.Details, out *iam.GetAccountAuthorizationDetailsOutput) {
	for _, r := range out.RoleDetailList {
		d.RoleDetailList = append(d.RoleDetailList, role(r))
	}
	for _, u := range out.UserDetailList {
		d.UserDetailList = append(d.UserDetailList, user(u))
	}
	for _, g := range out.GroupDetailList {
		d.GroupDetailList = append(d.GroupDetailList, group(g))
	}
	for _, p := range out.Policies {
		d.Policies = append(d.Policies, policy(p))
	}
}

func role(r types.RoleDetail) authz.DetailRole {
	out := authz.DetailRole{
		Path:                     aws.ToString(r.Path),
		RoleName:                 aws.ToString(r.RoleName),
		RoleID:                   aws.ToString(r.RoleId),
		Arn:                      aws.ToString(r.Arn),
		AssumeRolePolicyDocument: document(r.AssumeRolePolicyDocument),
		RolePolicyList:           inline(r.RolePolicyList),
		AttachedManagedPolicies:  attached(r.AttachedManagedPolicies),
		PermissionsBoundary:      boundary(r.PermissionsBoundary),
		Tags:                     tags(r.Tags),
	}
	for _, ip := range r.InstanceProfileList {
		out.InstanceProfileList = append(out.InstanceProfileList, authz.DetailInstanceProfile{
			InstanceProfileName: aws.ToString(ip.InstanceProfileName),
			Arn:                 aws.ToString(ip.Arn),
		})
	}
	if lu := r.RoleLastUsed; lu != nil {
		out.RoleLastUsed = &authz.DetailRoleLastUsed{LastUsedDate: lu.LastUsedDate, Region: aws.ToString(lu.Region)}
	}
	return out
}

func user(u types.UserDetail) authz.DetailUser {
	return authz.DetailUser{
		Path:                    aws.ToString(u.Path),
		UserName:                aws.ToString(u.UserName),
		UserID:                  aws.ToString(u.UserId),
		Arn:                     aws.ToString(u.Arn),
		UserPolicyList:          inline(u.UserPolicyList),
		GroupList:               u.GroupList,
		AttachedManagedPolicies: attached(u.AttachedManagedPolicies),
		PermissionsBoundary:     boundary(u.PermissionsBoundary),
		Tags:                    tags(u.Tags),
	}
}

func group(g types.GroupDetail) authz.DetailGroup {
	return authz.DetailGroup{
		Path:                    aws.ToString(g.Path),
		GroupName:               aws.ToString(g.GroupName),
		GroupID:                 aws.ToString(g.GroupId),
		Arn:                     aws.ToString(g.Arn),
		GroupPolicyList:         inline(g.GroupPolicyList),
		AttachedManagedPolicies: attached(g.AttachedManagedPolicies),
	}
}

func policy(p types.ManagedPolicyDetail) authz.DetailPolicy {
	out := authz.DetailPolicy{
		PolicyName:       aws.ToString(p.PolicyName),
		PolicyID:         aws.ToString(p.PolicyId),
		Arn:              aws.ToString(p.Arn),
		Path:             aws.ToString(p.Path),
		DefaultVersionID: aws.ToString(p.DefaultVersionId),
		IsAttachable:     p.IsAttachable,
	}
	for _, v := range p.PolicyVersionList {
		out.PolicyVersionList = append(out.PolicyVersionList, authz.DetailPolicyVersion{
			Document:         document(v.Document),
			VersionID:        aws.ToString(v.VersionId),
			IsDefaultVersion: v.IsDefaultVersion,
		})
	}
	return out
}

// document leaves a missing document missing, so that authz reports it
// instead of decoding an empty string.
func document(s *string) []byte {
	if s == nil {
		return nil
	}
	return authz.DocumentText(*s)
}

func inline(list []types.PolicyDetail) []authz.DetailInlinePolicy {
	var out []authz.DetailInlinePolicy
	for _, p := range list {
		out = append(out, authz.DetailInlinePolicy{PolicyName: aws.ToString(p.PolicyName), PolicyDocument: document(p.PolicyDocument)})
	}
	return out
}

func attached(list []types.AttachedPolicy) []authz.DetailAttachedPolicy {
	var out []authz.DetailAttachedPolicy
	for _, p := range list {
		out = append(out, authz.DetailAttachedPolicy{PolicyName: aws.ToString(p.PolicyName), PolicyArn: aws.ToString(p.PolicyArn)})
	}
	return out
}

func boundary(b *types.AttachedPermissionsBoundary) *authz.DetailBoundary {
	if b == nil {
		return nil
	}
	return &authz.DetailBoundary{PermissionsBoundaryType: string(b.PermissionsBoundaryType), PermissionsBoundaryArn: aws.ToString(b.PermissionsBoundaryArn)}
}

func tags(list []types.Tag) []authz.DetailTag {
	var out []authz.DetailTag
	for _, t := range list {
		out = append(out, authz.DetailTag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	return out
}
