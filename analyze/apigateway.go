package analyze

import (
	"strings"
)

// API Gateway management calls (REST APIs, v1, and HTTP/WebSocket APIs,
// v2, both logged by apigateway.amazonaws.com) are authorized as the HTTP
// method of the management API on the path of the resource: GetRestApi is
// apigateway:GET on arn:${Partition}:apigateway:${Region}::/restapis/ID
// (API Gateway Developer Guide, "Control access to the API Gateway
// management API with IAM permissions"). The catalog's resource types are
// named after the resources (RestApi, RestApis, Stage, …), which the
// operation names follow.

// apigatewayMethods maps an operation's verb to the HTTP method it uses.
var apigatewayMethods = []struct{ verb, method string }{
	{"Get", "GET"},
	{"Create", "POST"},
	{"Import", "PUT"},
	{"Put", "PUT"},
	{"Update", "PATCH"},
	{"Delete", "DELETE"},
	{"Flush", "DELETE"},
	{"Tag", "PUT"},
	{"Untag", "DELETE"},
	{"Reset", "DELETE"},
}

// apigatewayOverrides are the operations whose method or resource type does
// not follow from their name (API Gateway v1 REST API reference).
var apigatewayOverrides = map[string]struct{ method, typ string }{
	"ImportRestApi":              {"POST", "RestApis"},
	"ImportApiKeys":              {"POST", "ApiKeys"},
	"CreateResource":             {"POST", "Resource"}, // POST /restapis/ID/resources/PARENT_ID
	"TestInvokeMethod":           {"POST", "Method"},
	"TestInvokeAuthorizer":       {"POST", "Authorizer"},
	"GenerateClientCertificate":  {"POST", "ClientCertificates"},
	"GetExport":                  {"GET", "Stage"},
	"GetSdk":                     {"GET", "Sdk"},
	"FlushStageCache":            {"DELETE", "Stage"},
	"FlushStageAuthorizersCache": {"DELETE", "Stage"},
	"TagResource":                {"PUT", "Tags"},
	"UntagResource":              {"DELETE", "Tags"},
	"GetTags":                    {"GET", "Tags"},
	"GetAccount":                 {"GET", "Account"},
	"UpdateAccount":              {"PATCH", "Account"},
}

// apigatewayMethod returns the HTTP method an API Gateway operation uses,
// or "" when the operation is not a management call iamtailor knows.
func apigatewayMethod(op string) string {
	if o, ok := apigatewayOverrides[op]; ok {
		return o.method
	}
	for _, v := range apigatewayMethods {
		if strings.HasPrefix(op, v.verb) && len(op) > len(v.verb) && isUpper(op[len(v.verb)]) {
			return v.method
		}
	}
	return ""
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// apigatewayType returns the catalog resource type names an operation acts
// on, most likely first: for GetRestApi "RestApi"; for CreateDeployment the
// collection "Deployments" (a POST creates under the collection).
func apigatewayType(op string) []string {
	if o, ok := apigatewayOverrides[op]; ok {
		return []string{o.typ}
	}
	noun := op
	for _, v := range apigatewayMethods {
		if strings.HasPrefix(op, v.verb) {
			noun = op[len(v.verb):]
			break
		}
	}
	if strings.HasPrefix(op, "Create") {
		return []string{noun + "s", noun}
	}
	return []string{noun}
}

// apigatewayResources fills the templates of the resource type an API
// Gateway operation acts on.
func (m *Mapper) apigatewayResources(c *rowCtx, pl *plan, pa *planAction) []builtResource {
	svc, ok := m.cat.Service("apigateway")
	if !ok {
		return nil
	}
	for _, name := range apigatewayType(pl.name) {
		rt, ok := svc.ResourceType(name)
		if !ok {
			continue
		}
		for _, s := range rt.ARNs {
			t := parseARNTemplate(rt, s)
			var out []builtResource
			for _, b := range m.fill(c, &t) {
				if m.matches(rt, b.arn) {
					out = append(out, c.note(b))
				}
			}
			if len(out) > 0 {
				return out
			}
		}
		return []builtResource{{arn: "*", note: "the event does not name the API Gateway " + name + " this call acts on"}}
	}
	return []builtResource{{arn: "*", note: "iamtailor does not know which API Gateway resource " + pl.name + " acts on"}}
}
