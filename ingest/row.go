package ingest

import "github.com/iamtailor/iamtailor/ingest/store"

// FillRow sets r to the usage tuple of ev, with Count 1 and FirstSeen and
// LastSeen at the event's time. The strings in r alias ev's memory: pass r to
// store.Table.Add (which copies) before the decoder reuses ev.
//
// STUB: the decoder's owner replaces this with the real implementation.
func FillRow(ev *Event, r *store.Row) {}
