package generate

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/policy"
)

// terraformName is the data source's name: "<kind>_<name>" with every
// character Terraform does not allow in an identifier replaced by "_", a
// short hash of the original name when anything was replaced (so two
// principals never share a name), and "_<n>" for part n of a split policy.
// The kind prefix makes it start with a letter.
func terraformName(p analyze.Principal, i, n int) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(string(p.Kind), "-", "_"))
	b.WriteByte('_')
	changed := p.Name == ""
	for j := 0; j < len(p.Name); j++ {
		c := p.Name[j]
		if isUpper(c) || isLower(c) || isDigit(c) || c == '_' || c == '-' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		changed = true
	}
	if changed {
		b.WriteString("_" + shortHash(p.Name))
	}
	if n > 1 {
		b.WriteString("_" + strconv.Itoa(i+1))
	}
	return b.String()
}

// Terraform renders a document as an aws_iam_policy_document data source,
// one statement block per statement, in the layout `terraform fmt` gives.
// Reference it as data.aws_iam_policy_document.<name>.json, for example in
// an aws_iam_policy's policy argument.
func Terraform(d *policy.Document, name string, p analyze.Principal, catalogVersion string) []byte {
	// Render from the canonical form, so actions and resources are in the
	// same order as in the JSON output.
	canon, err := policy.Parse(d.Canonical())
	if err != nil {
		canon = d
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Least-privilege policy suggested by iamtailor for %s\n", hclComment(p.ARN))
	fmt.Fprintf(&b, "# from its CloudTrail usage (IAM catalog %s).\n", hclComment(catalogVersion))
	if set, ok := p.IdentityCenterPermissionSet(); ok {
		target := "its IAM Identity Center permission set"
		if set != "" {
			target = fmt.Sprintf("the IAM Identity Center permission set %q", set)
		}
		fmt.Fprintf(&b, "# IAM Identity Center manages this role: apply the policy to %s\n", hclComment(target))
		b.WriteString("# (aws_ssoadmin_permission_set_inline_policy), not to the role.\n")
	}
	b.WriteString("# summary.json lists what was observed, denied, widened and why.\n")
	fmt.Fprintf(&b, "data \"aws_iam_policy_document\" %s {\n", hclString(name))
	for i, st := range canon.Statements {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("  statement {\n")
		// terraform fmt aligns "=" across adjacent one-line attributes; a line
		// that opens a multi-line list is not one, and is not aligned.
		b.WriteString("    sid    = " + hclString(st.Sid) + "\n")
		b.WriteString("    effect = " + hclString(string(st.Effect)) + "\n")
		b.WriteString("    actions = ")
		hclList(&b, st.Action)
		b.WriteString("    resources = ")
		hclList(&b, st.Resource)
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	return b.Bytes()
}

func hclList(b *bytes.Buffer, values []string) {
	b.WriteString("[\n")
	for _, v := range values {
		b.WriteString("      " + hclString(v) + ",\n")
	}
	b.WriteString("    ]\n")
}

// hclString quotes s as an HCL string literal that evaluates to s exactly:
// quotes, backslashes and control characters are escaped, and template
// sequences are doubled ("${" → "$${", "%{" → "%%{") so that IAM policy
// variables such as ${aws:username} reach the policy as written.
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, c)
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteByte(c)
			b.WriteByte(c)
			b.WriteByte('{')
			i += 2
			continue
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\uFFFD`)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		default:
			b.WriteByte(c)
		}
		i++
	}
	b.WriteByte('"')
	return b.String()
}

// hclComment keeps a comment on one line.
func hclComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
