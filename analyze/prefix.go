package analyze

import "strings"

// eventSourcePrefixes maps the service part of an eventSource (what comes
// before ".amazonaws.com") to its IAM action prefix, for the services where
// the two differ. Every other service uses its eventSource's first label
// when that label is a catalog prefix (s3, ec2, iam, …).
//
// Every entry is checked against the catalog, and against the reference
// map (iann0036/iam-dataset cloudtrail_service_mappings) by
// TestEventSourcePrefixesAgainstReference.
var eventSourcePrefixes = map[string]string{
	"agreement-marketplace":     "aws-marketplace",
	"amazonmq":                  "mq",
	"application-insights":      "applicationinsights",
	"billingconsole":            "billing",
	"chime-sdk-media-pipelines": "chime",
	"chime-sdk-voice":           "chime",
	"cloudcontrolapi":           "cloudformation",
	"contact-lens":              "connect",
	"discovery-marketplace":     "aws-marketplace",
	// SES API calls are logged with the endpoint's name. Not in the
	// reference map, which lists ses under ses.amazonaws.com only.
	"email":                      "ses",
	"management-marketplace":     "aws-marketplace-management",
	"marketplacecatalog":         "aws-marketplace",
	"migrationhub":               "mgh",
	"monitoring":                 "cloudwatch",
	"opensearchservice":          "es",
	"participant-connect":        "connect",
	"pinpoint":                   "mobiletargeting",
	"pricelist":                  "pricing",
	"qconnect":                   "wisdom",
	"rdsdata":                    "rds-data",
	"reporting-marketplace":      "aws-marketplace",
	"servicecatalog-appregistry": "servicecatalog",
	"tagging":                    "tag",
	"taxconsole":                 "tax",
	"transcribestreaming":        "transcribe",
}

// serviceName is the part of an eventSource before ".amazonaws.com" (or the
// China partition's ".amazonaws.com.cn"): "s3", "portal.sso".
func serviceName(eventSource string) string {
	for _, suffix := range [...]string{".amazonaws.com", ".amazonaws.com.cn", ".amazon.com"} {
		if s, ok := strings.CutSuffix(eventSource, suffix); ok {
			return s
		}
	}
	return eventSource
}

// iamPrefix returns the IAM action prefix for an eventSource: the table's
// entry, else the first label of the service name. The caller checks that
// the prefix is in the catalog.
func iamPrefix(eventSource string) string {
	name := strings.ToLower(serviceName(eventSource))
	if p, ok := eventSourcePrefixes[name]; ok {
		return p
	}
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i]
	}
	return name
}
