package store

import (
	"cmp"
	"strings"
)

// Coarsening levels recorded in Row.Coarsened.
const (
	exact   int8 = 0 // identifiers as logged
	cut     int8 = 1 // every value with a '/' cut after its first segment plus '*'
	dropped int8 = 2 // identifiers removed
)

func clampLevel(l int8) int8 {
	return min(max(l, exact), dropped)
}

// coarsenValue cuts s after its first '/' and appends '*':
// "arn:aws:s3:::bucket/a/b.txt" → "arn:aws:s3:::bucket/*". It is idempotent
// because a value already cut ends in "/*" right after its first '/'.
func coarsenValue(s string) string {
	i := strings.IndexByte(s, '/')
	if i < 0 || s[i+1:] == "*" {
		return s
	}
	return s[:i+1] + "*"
}

// cmpGroup orders rows by their group fields (the key minus identifiers and
// coarsening), in the canonical order documented in the package comment:
// day, identity_arn, event_source, event_name, then the other group columns
// in schema order. Keeping day first lets a day window stop reading early
// and keeps each month's rows contiguous; keeping every group field ahead of
// the identifiers keeps each group contiguous, which lets Commit and Merge
// reapply the size bound one group at a time.
func cmpGroup(a, b *Row) int {
	if a.Day != b.Day {
		return cmp.Compare(a.Day, b.Day)
	}
	if c := strings.Compare(a.IdentityARN, b.IdentityARN); c != 0 {
		return c
	}
	if c := strings.Compare(a.EventSource, b.EventSource); c != 0 {
		return c
	}
	if c := strings.Compare(a.EventName, b.EventName); c != 0 {
		return c
	}
	if c := strings.Compare(a.IdentityType, b.IdentityType); c != 0 {
		return c
	}
	if c := strings.Compare(a.IdentityAccount, b.IdentityAccount); c != 0 {
		return c
	}
	if c := strings.Compare(a.PrincipalID, b.PrincipalID); c != 0 {
		return c
	}
	if c := strings.Compare(a.UserName, b.UserName); c != 0 {
		return c
	}
	if c := strings.Compare(a.IssuerType, b.IssuerType); c != 0 {
		return c
	}
	if c := strings.Compare(a.IssuerARN, b.IssuerARN); c != 0 {
		return c
	}
	if c := strings.Compare(a.IssuerAccount, b.IssuerAccount); c != 0 {
		return c
	}
	if c := strings.Compare(a.InvokedBy, b.InvokedBy); c != 0 {
		return c
	}
	if c := strings.Compare(a.IdentityProvider, b.IdentityProvider); c != 0 {
		return c
	}
	if c := strings.Compare(a.OnBehalfOfUserID, b.OnBehalfOfUserID); c != 0 {
		return c
	}
	if c := strings.Compare(a.OnBehalfOfStoreARN, b.OnBehalfOfStoreARN); c != 0 {
		return c
	}
	if c := strings.Compare(a.Account, b.Account); c != 0 {
		return c
	}
	if c := strings.Compare(a.Region, b.Region); c != 0 {
		return c
	}
	if c := strings.Compare(a.EventType, b.EventType); c != 0 {
		return c
	}
	if c := strings.Compare(a.EventCategory, b.EventCategory); c != 0 {
		return c
	}
	if c := strings.Compare(a.ReadOnly, b.ReadOnly); c != 0 {
		return c
	}
	if c := strings.Compare(a.ErrorCode, b.ErrorCode); c != 0 {
		return c
	}
	if c := strings.Compare(a.ErrorMessage, b.ErrorMessage); c != 0 {
		return c
	}
	if a.Shared != b.Shared {
		if b.Shared {
			return -1
		}
		return 1
	}
	return 0
}

// sameGroup is cmpGroup(a, b) == 0, cheaper.
func sameGroup(a, b *Row) bool {
	return a.Day == b.Day &&
		a.IdentityARN == b.IdentityARN &&
		a.EventSource == b.EventSource &&
		a.EventName == b.EventName &&
		a.IdentityType == b.IdentityType &&
		a.IdentityAccount == b.IdentityAccount &&
		a.PrincipalID == b.PrincipalID &&
		a.UserName == b.UserName &&
		a.IssuerType == b.IssuerType &&
		a.IssuerARN == b.IssuerARN &&
		a.IssuerAccount == b.IssuerAccount &&
		a.InvokedBy == b.InvokedBy &&
		a.IdentityProvider == b.IdentityProvider &&
		a.OnBehalfOfUserID == b.OnBehalfOfUserID &&
		a.OnBehalfOfStoreARN == b.OnBehalfOfStoreARN &&
		a.Account == b.Account &&
		a.Region == b.Region &&
		a.EventType == b.EventType &&
		a.EventCategory == b.EventCategory &&
		a.ReadOnly == b.ReadOnly &&
		a.ErrorCode == b.ErrorCode &&
		a.ErrorMessage == b.ErrorMessage &&
		a.Shared == b.Shared
}

// cmpRow is the canonical order of rows: group fields, then coarsening
// level, then resources and params compared element by element.
func cmpRow(a, b *Row) int {
	if c := cmpGroup(a, b); c != 0 {
		return c
	}
	return cmpIdentifiers(a, b)
}

func cmpIdentifiers(a, b *Row) int {
	if a.Coarsened != b.Coarsened {
		return cmp.Compare(a.Coarsened, b.Coarsened)
	}
	if c := cmpResources(a.Resources, b.Resources); c != 0 {
		return c
	}
	return cmpParams(a.Params, b.Params)
}

func cmpResource(a, b Resource) int {
	if c := strings.Compare(a.ARN, b.ARN); c != 0 {
		return c
	}
	if c := strings.Compare(a.AccountID, b.AccountID); c != 0 {
		return c
	}
	return strings.Compare(a.Type, b.Type)
}

func cmpParam(a, b Param) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.Value, b.Value)
}

func cmpResources(a, b []Resource) int {
	for i := range min(len(a), len(b)) {
		if c := cmpResource(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func cmpParams(a, b []Param) int {
	for i := range min(len(a), len(b)) {
		if c := cmpParam(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}
