// Package authz holds what is attached today: the roles, users, groups and
// managed policies of one or more AWS accounts, in the shape of IAM
// GetAccountAuthorizationDetails, and reads it offline from the JSON that
// `aws iam get-account-authorization-details` prints.
//
// It owns: the model (Account and its entities), turning a response or a
// CLI file into that model (FromDetails, Read, ReadFile, ReadFiles), and
// listing the policy documents that apply to a principal
// (Account.AppliedPolicies). The live reader, which calls IAM, is the
// iamapi subpackage; both paths go through FromDetails so that the same
// account gives the same model, byte for byte.
//
// Policy documents stay JSON text here: they are decoded (AWS URL-encodes
// them; the AWS CLI prints them as JSON objects) and re-serialised in one
// canonical form (see document.go), never interpreted. Parsing them into a
// policy model is analyze/policy's job.
//
// It must not import analyze, generate or cmd, nor any AWS SDK package.
package authz
