package review

import (
	"errors"
	"fmt"
	"strings"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
	"github.com/iamtailor/iamtailor/generate"
	"github.com/iamtailor/iamtailor/ingest/authz"
)

// Input is everything a review is built from.
type Input struct {
	// Usages are the analyzed principals, as for generate.
	Usages []analyze.PrincipalUsage
	// Accounts are the current attachments, one per account; a principal
	// whose account is not here has no current policies to compare.
	Accounts []*authz.Account
	Catalog  *catalog.Catalog
	// Coverage is what the logs behind Usages hold (LogCoverage.Add over
	// the same rows).
	Coverage *analyze.LogCoverage
	// Options are the generator's (selection, collapsing, size limits).
	Options generate.Options
	// WindowStart and WindowEnd, when set, replace the window the
	// coverage saw (the --since/--until bounds of the run).
	WindowStart, WindowEnd int64
}

// Build reviews every selected principal: it generates the suggested
// policies (generate.Generate), reads each principal's current policies
// from the accounts, and runs analyze.Review.
//
// Roles and users of the accounts that did nothing in the window are
// reviewed too (everything they hold is unused), but only in accounts the
// logs cover, and never service-linked roles, whose policies AWS owns.
// Principals that --min-events leaves out are left out of the review too.
//
// It returns the report and the generator's run, whose files go next to
// the review's.
func Build(in Input) (Report, generate.Run, error) {
	usages := append([]analyze.PrincipalUsage(nil), in.Usages...)
	seen := map[string]bool{}
	for _, u := range usages {
		seen[u.Principal.ARN] = true
	}
	for _, a := range in.Accounts {
		if _, logged := in.Coverage.Account(a.ID); !logged {
			continue
		}
		for _, p := range idlePrincipals(a) {
			if !seen[p.ARN] {
				usages = append(usages, analyze.PrincipalUsage{Principal: p})
			}
		}
	}
	run, err := generate.Generate(usages, in.Catalog, in.Options)
	if err != nil {
		return Report{}, run, err
	}
	byARN := map[string]*analyze.PrincipalUsage{}
	for i := range usages {
		byARN[usages[i].Principal.ARN] = &usages[i]
	}
	accounts := map[string]*authz.Account{}
	for _, a := range in.Accounts {
		accounts[a.ID] = a
	}

	rep := Report{
		CatalogVersion: in.Catalog.Version(),
		WindowStart:    in.Coverage.FirstEvent, WindowEnd: in.Coverage.LastEvent,
		Coverage: in.Coverage.Accounts(),
	}
	if in.WindowStart != 0 {
		rep.WindowStart = in.WindowStart
	}
	if in.WindowEnd != 0 {
		rep.WindowEnd = in.WindowEnd
	}
	for _, res := range run.Results {
		if res.Summary.Skipped != "" {
			continue
		}
		u := byARN[res.Principal.ARN]
		rin := analyze.ReviewInput{Usage: *u}
		p := Principal{}
		set, lastUsed, missing := currentPolicies(accounts, u.Principal)
		if missing == "" {
			rin.Current = &set
			rin.IAMLastUsed = lastUsed
			p.Current = CurrentDocument(&set)
		} else {
			rin.CurrentMissing = missing
		}
		switch {
		case res.Summary.Error != "":
			p.SuggestedNote = "no suggested policy: " + res.Summary.Error
		case u.NoPolicyReason != "":
			// Service-linked roles, root: never suggested a policy, so
			// nothing to diff.
		default:
			rin.Suggested = append([]policy.Document{}, res.Documents...)
			p.Suggested = SuggestedDocument(res.Documents)
			switch {
			case len(res.Documents) == 0:
				p.SuggestedNote = "the suggested policy is empty: " + res.Summary.NoPolicyReason
			case res.Summary.ApplyTo != "":
				// IAM Identity Center roles: the diff is against the role, but
				// the change belongs in the permission set.
				p.SuggestedNote = res.Summary.ApplyTo
			}
		}
		p.Findings = analyze.Review(rin, in.Catalog, in.Coverage)
		rep.Principals = append(rep.Principals, p)
	}
	rep.Sort()
	return rep, run, nil
}

// idlePrincipals are the account's roles and users, as analyze names
// them, service-linked roles left out.
func idlePrincipals(a *authz.Account) []analyze.Principal {
	var out []analyze.Principal
	for _, r := range a.Roles {
		if strings.HasPrefix(r.Path, "/aws-service-role/") {
			continue
		}
		out = append(out, analyze.Principal{Kind: analyze.KindRole, ARN: r.ARN, Account: a.ID, Partition: a.Partition, Name: r.Name, Path: r.Path})
	}
	for _, u := range a.Users {
		out = append(out, analyze.Principal{Kind: analyze.KindUser, ARN: u.ARN, Account: a.ID, Partition: a.Partition, Name: u.Name, Path: u.Path})
	}
	return out
}

// currentPolicies finds a principal's policies today. missing says why
// there are none to compare.
func currentPolicies(accounts map[string]*authz.Account, p analyze.Principal) (set policy.PolicySet, lastUsed int64, missing string) {
	switch p.Kind {
	case analyze.KindRole, analyze.KindUser:
	case analyze.KindServiceLinkedRole:
		return set, 0, "a service-linked role: AWS owns its policies"
	default:
		return set, 0, fmt.Sprintf("principals of kind %s have no identity policies of their own to review", p.Kind)
	}
	a := accounts[p.Account]
	if a == nil {
		return set, 0, "no authorization details were given for account " + p.Account
	}
	arn := p.ARN
	if p.Kind != analyze.KindUser {
		if r, ok := a.Role(arn); ok {
			lastUsed = roleLastUsed(r)
		} else if r, ok := a.RoleByName(p.Name); ok {
			// The logs named the role without its path.
			arn, lastUsed = r.ARN, roleLastUsed(r)
		}
	}
	ap, err := a.AppliedPolicies(arn)
	switch {
	case errors.Is(err, authz.ErrUnknownPrincipal):
		return set, 0, "not in the authorization details of account " + p.Account + " (deleted since, or renamed)"
	case err != nil:
		return set, 0, "its current policies cannot be read: " + err.Error()
	}
	set, err = analyze.CurrentPolicies(ap)
	if err != nil {
		return set, 0, "its current policies cannot be read: " + err.Error()
	}
	return set, lastUsed, ""
}

func roleLastUsed(r *authz.Role) int64 {
	if r.LastUsed == nil || r.LastUsed.Date.IsZero() {
		return 0
	}
	return r.LastUsed.Date.UnixMilli()
}
