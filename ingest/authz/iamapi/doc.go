// Package iamapi reads what is attached today from a live account through
// IAM GetAccountAuthorizationDetails (aws-sdk-go-v2), into the authz model.
//
// It owns the paging and the copy from SDK types into authz.Details; the
// model, document decoding and checks are authz's, shared with the offline
// reader so that both give the same Account. It does not build clients or
// load AWS configuration: cmd does, and passes anything that has the one
// method of API.
//
// It imports authz and the AWS SDK; it must not import analyze, generate or
// cmd.
package iamapi
