package db

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// CanListen reports whether Listen works on this database (PostgreSQL).
func (d *DB) CanListen() bool { return d.Dialect == Postgres }

// Listen receives PostgreSQL notifications on channel over a connection of
// its own, calling onNotify for each. It calls listening(true) each time it
// has started listening and listening(false) each time it has stopped (the
// connection was lost, or ctx ended): notifications sent in between are lost,
// so the caller must assume anything changed. It reconnects with a growing
// pause (at most 10 s) and returns when ctx ends.
func (d *DB) Listen(ctx context.Context, channel string, listening func(bool), onNotify func()) {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		started, _ := d.listenOnce(ctx, channel, listening, onNotify)
		if started {
			listening(false)
			pause = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 10*time.Second)
	}
}

func (d *DB) listenOnce(ctx context.Context, channel string, listening func(bool), onNotify func()) (started bool, err error) {
	cfg, err := pgx.ParseConfig(d.dsn)
	if err != nil {
		return false, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if d.appRole {
		// Least privilege: listening needs none of the owner's rights.
		if _, err := conn.Exec(ctx, "SET ROLE "+AppRole); err != nil {
			return false, err
		}
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false, err
	}
	listening(true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, err
		}
		onNotify()
	}
}
