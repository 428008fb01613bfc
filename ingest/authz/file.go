package authz

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// cliOutput is a file as `aws iam get-account-authorization-details
// --output json` writes it. The CLI follows the markers itself, so a
// complete file has neither Marker nor NextToken; they appear only when the
// user passed --no-paginate or --max-items and got one page.
type cliOutput struct {
	Details
	IsTruncated bool   `json:"IsTruncated"`
	Marker      string `json:"Marker"`
	NextToken   string `json:"NextToken"`
}

// ReadFile reads one account from a file written by `aws iam
// get-account-authorization-details --output json`.
func ReadFile(path string) (*Account, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads one account from r, which holds what `aws iam
// get-account-authorization-details --output json` prints. Documents may be
// JSON objects (as the CLI prints them) or strings, URL-encoded or not.
// name identifies the input in errors.
func Read(r io.Reader, name string) (*Account, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if err := checkShape(data); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var out cliOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("read %s: invalid JSON: %w", name, err)
	}
	if out.IsTruncated || out.Marker != "" || out.NextToken != "" {
		return nil, fmt.Errorf("read %s: the file is one page of a longer listing (IsTruncated, Marker or NextToken is set): "+
			"run aws iam get-account-authorization-details without --no-paginate or --max-items", name)
	}
	acc, err := FromDetails(&out.Details)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return acc, nil
}

// checkShape rejects what is not a get-account-authorization-details
// output before decoding, so that the error says so instead of describing
// an empty account.
func checkShape(data []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fmt.Errorf("invalid JSON at byte %d: %w", syntax.Offset, err)
		}
		return fmt.Errorf("invalid JSON: the file must hold one JSON object: %w", err)
	}
	for _, key := range []string{"RoleDetailList", "UserDetailList", "GroupDetailList", "Policies"} {
		if _, ok := top[key]; ok {
			return nil
		}
	}
	return errors.New("not the output of aws iam get-account-authorization-details: none of RoleDetailList, UserDetailList, GroupDetailList, Policies")
}

// ReadFiles reads one account per file and returns them sorted by account
// ID. Two files for the same account are an error naming both: which one is
// current cannot be told, and merging two snapshots could combine a policy
// that was detached with one that replaced it.
func ReadFiles(paths []string) ([]*Account, error) {
	byID := map[string]string{}
	var accounts []*Account
	for _, p := range paths {
		acc, err := ReadFile(p)
		if err != nil {
			return nil, err
		}
		if prev, dup := byID[acc.ID]; dup {
			return nil, fmt.Errorf("read %s: account %s is also in %s: give one file per account", p, acc.ID, prev)
		}
		byID[acc.ID] = p
		accounts = append(accounts, acc)
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].ID < accounts[j].ID })
	return accounts, nil
}
