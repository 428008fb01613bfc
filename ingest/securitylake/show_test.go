package securitylake

import (
	"fmt"
	"strconv"

	"github.com/iamtailor/iamtailor/ingest/store"
)

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

func show(r *store.Row) string {
	if r == nil {
		return "(none)"
	}
	return fmt.Sprintf("%+v", *r)
}
