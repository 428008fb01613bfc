package catalog

import "strings"

// keyForm is a condition key name with one variable part, such as
// "aws:ResourceTag/${TagKey}", "s3:ExistingObjectTag/<key>",
// "aws:PrincipalTag/tag-key" or
// "codebuild:environment.environmentVariables/${name}.value". A policy
// names such a key by filling in the variable.
type keyForm struct {
	prefix, suffix string // lower-cased literal text around the variable
}

func (f *keyForm) literalLen() int { return len(f.prefix) + len(f.suffix) }

func parseKeyForm(name string) *keyForm {
	for _, delim := range [...][2]string{{"${", "}"}, {"<", ">"}} {
		start := strings.Index(name, delim[0])
		if start < 0 {
			continue
		}
		end := strings.Index(name[start:], delim[1])
		if end < 0 {
			continue
		}
		return &keyForm{
			prefix: strings.ToLower(name[:start]),
			suffix: strings.ToLower(name[start+end+len(delim[1]):]),
		}
	}
	// The global tag keys are published as ".../tag-key".
	if before, ok := strings.CutSuffix(name, "/tag-key"); ok {
		return &keyForm{prefix: strings.ToLower(before) + "/"}
	}
	return nil
}

// fits says whether name fills this key's variable part with non-empty text.
func (k *ConditionKey) fits(name string) bool {
	f := k.form
	if f == nil || len(name) <= f.literalLen() {
		return false
	}
	return strings.EqualFold(name[:len(f.prefix)], f.prefix) &&
		strings.EqualFold(name[len(name)-len(f.suffix):], f.suffix)
}
