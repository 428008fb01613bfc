package catalog

import "fmt"

// AccessLevel is the Service Authorization Reference's classification of an
// action. The zero value is not a level.
type AccessLevel uint8

const (
	List AccessLevel = iota + 1
	Read
	Write
	PermissionsManagement
	Tagging
)

// AccessLevels lists every level, from least to most consequential.
var AccessLevels = []AccessLevel{List, Read, Tagging, Write, PermissionsManagement}

var accessLevelNames = [...]string{
	List:                  "List",
	Read:                  "Read",
	Write:                 "Write",
	PermissionsManagement: "Permissions management",
	Tagging:               "Tagging",
}

// catalogNames are the spellings used in catalog.txt.
var accessLevelCodes = map[string]AccessLevel{
	"List":                  List,
	"Read":                  Read,
	"Write":                 Write,
	"PermissionsManagement": PermissionsManagement,
	"Tagging":               Tagging,
}

// String gives the name AWS documentation uses: "Permissions management".
func (l AccessLevel) String() string {
	if l >= List && int(l) < len(accessLevelNames) {
		return accessLevelNames[l]
	}
	return fmt.Sprintf("AccessLevel(%d)", uint8(l))
}

// Valid says whether l is one of the five levels.
func (l AccessLevel) Valid() bool { return l >= List && l <= Tagging }

// MarshalText writes the AWS name, so JSON output reads "Permissions management".
func (l AccessLevel) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("invalid access level %d", uint8(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText accepts the AWS name ("Permissions management") or the
// Go-style one ("PermissionsManagement"), case-sensitively.
func (l *AccessLevel) UnmarshalText(b []byte) error {
	s := string(b)
	if v, ok := accessLevelCodes[s]; ok {
		*l = v
		return nil
	}
	for v := List; v <= Tagging; v++ {
		if accessLevelNames[v] == s {
			*l = v
			return nil
		}
	}
	return fmt.Errorf("unknown access level %q", s)
}
