package authz

import (
	"fmt"
	"strings"
)

// iamARN is an IAM ARN split into the parts this package checks:
// arn:PARTITION:iam::ACCOUNT:RESOURCE, RESOURCE being kind/path/name.
type iamARN struct {
	partition string
	account   string // 12 digits, or "aws" for AWS managed policies
	resource  string
}

func parseARN(s string) (iamARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" || parts[5] == "" {
		return iamARN{}, fmt.Errorf("%q is not an IAM ARN (arn:PARTITION:iam::ACCOUNT:RESOURCE)", s)
	}
	if parts[4] != "aws" && !isAccountID(parts[4]) {
		return iamARN{}, fmt.Errorf("%q: account %q is not 12 digits", s, parts[4])
	}
	return iamARN{partition: parts[1], account: parts[4], resource: parts[5]}, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// kind is the resource type before the first '/': role, user, group, policy.
func (a iamARN) kind() string {
	kind, _, _ := strings.Cut(a.resource, "/")
	return kind
}

// lastSegment is the entity name: IAM puts the path between the kind and
// the name, so the name is what follows the last '/'.
func lastSegment(arn string) string {
	return arn[strings.LastIndexByte(arn, '/')+1:]
}
