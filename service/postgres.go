package service

import (
	"context"

	"github.com/visitly/hostsync/storage/pgstore"
)

func openPostgres(ctx context.Context, db string) (Store, error) {
	return pgstore.Open(ctx, db)
}
