package analyze

import "strings"

// deniedMessage is what an authorization error message says was refused.
type deniedMessage struct {
	Action   string // as written, e.g. "s3:GetObject", "SNS:Publish"; "" when not named
	Resource string // "" when not named
}

// parseDeniedMessage reads the action and resource from an AccessDenied
// style message. The forms, as AWS services write them:
//
//	User: ARN is not authorized to perform: ACTION on resource: RESOURCE [because …|with an explicit deny …]
//	User: ARN is not authorized to perform: ACTION onresource: RESOURCE   (API Gateway, no space)
//	User: ARN is not authorized to perform: ACTION [because …|with an explicit deny …]
//	User: ARN is not authorized to perform ACTION on resource: access key KEY
//	Principal [ARN] is not allowed to execute [ACTION] on the resource
//	Access to the resource RESOURCE is denied.
//	Not authorized to access resource RESOURCE
//
// Messages that name nothing ("Access Denied", EC2's encoded authorization
// failure message) give an empty result.
func parseDeniedMessage(msg string) deniedMessage {
	var d deniedMessage
	if i := strings.Index(msg, "is not authorized to perform"); i >= 0 {
		rest := msg[i+len("is not authorized to perform"):]
		rest = strings.TrimPrefix(rest, ":")
		rest = strings.TrimLeft(rest, " ")
		d.Action = firstToken(rest)
		if !looksLikeAction(d.Action) {
			d.Action = ""
			return d
		}
		rest = rest[len(d.Action):]
		for _, marker := range [...]string{" on resource: ", " onresource: ", " on resource "} {
			if j := strings.Index(rest, marker); j >= 0 && j < 4 {
				r := firstToken(rest[j+len(marker):])
				if r == "role" || r == "access" { // "on resource: role NAME", "access key ID"
					break
				}
				d.Resource = strings.TrimRight(r, ".,;")
				break
			}
		}
		return d
	}
	if i := strings.Index(msg, "is not allowed to execute ["); i >= 0 {
		rest := msg[i+len("is not allowed to execute ["):]
		if j := strings.IndexByte(rest, ']'); j > 0 && looksLikeAction(rest[:j]) {
			d.Action = rest[:j]
		}
		return d
	}
	if i := strings.Index(msg, "Access to the resource "); i >= 0 {
		rest := msg[i+len("Access to the resource "):]
		if r := firstToken(rest); strings.HasPrefix(r, "arn:") && strings.HasPrefix(rest[len(r):], " is denied") {
			d.Resource = r
		}
		return d
	}
	if i := strings.Index(msg, "Not authorized to access resource "); i >= 0 {
		if r := firstToken(msg[i+len("Not authorized to access resource "):]); strings.HasPrefix(r, "arn:") {
			d.Resource = r
		}
	}
	return d
}

func firstToken(s string) string {
	if i := strings.IndexAny(s, " \t\n\r"); i >= 0 {
		return s[:i]
	}
	return s
}

// looksLikeAction accepts "prefix:Name" with no wildcard.
func looksLikeAction(s string) bool {
	i := strings.IndexByte(s, ':')
	return i > 0 && i < len(s)-1 && !strings.ContainsAny(s, "*?[]{}\"'") && strings.Count(s, ":") == 1
}
