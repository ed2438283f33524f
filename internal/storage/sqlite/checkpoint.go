package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// Checkpoints (DESIGN.md §8). SQLite's automatic checkpoint runs inside
// the COMMIT that crosses wal_autocheckpoint, on the writer connection, so
// every grant queued behind that commit waits for the WAL to be copied
// into the database and the database to be synced. Instead a checkpointer
// goroutine runs PASSIVE checkpoints on a connection of its own, prompted
// by the committer every checkpointWrites writes and otherwise
// periodically: they never block the writer or the readers, and their cost
// moves off the group-commit path. The writer keeps a large wal_autocheckpoint as a
// safety net should the checkpointer fall behind. Durability does not
// change: every commit has already synced the WAL (synchronous=FULL).
const (
	// checkpointWrites is how many group-committed writes prompt a
	// checkpoint (a grant adds about five pages to the WAL).
	checkpointWrites = 1000
	// checkpointEvery is the checkpointer's period when few writes come.
	checkpointEvery = 2 * time.Second
	// writerAutoCheckpoint is the writer's wal_autocheckpoint, in pages.
	writerAutoCheckpoint = 16384
)

// checkpointDSN configures the checkpointer's connection.
func checkpointDSN(path string) string {
	return path + "?_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)"
}

// checkpointer runs PASSIVE checkpoints until stopped.
type checkpointer struct {
	db  *sql.DB
	log *slog.Logger
	// wake prompts a checkpoint (buffered: prompts coalesce).
	wake    chan struct{}
	quit    chan struct{}
	stopped chan struct{}
}

// prompt asks for a checkpoint soon without waiting.
func (c *checkpointer) prompt() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// startCheckpointer opens the checkpointer's connection and starts it.
func startCheckpointer(ctx context.Context, path string, log *slog.Logger) (*checkpointer, error) {
	db, err := openPool(ctx, checkpointDSN(path), 1)
	if err != nil {
		return nil, err
	}
	c := &checkpointer{db: db, log: log, wake: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.stopped)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
		case <-c.wake:
		}
		// busy, log and checkpointed frames; only errors matter here.
		var busy, logFrames, done int
		err := c.db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
		if err != nil && !failing {
			c.log.Warn("sqlite background checkpoint failed; the writer's automatic checkpoint takes over", "err", err)
		}
		failing = err != nil
	}
}

// stop ends the checkpointer and closes its connection.
func (c *checkpointer) stop() error {
	close(c.quit)
	<-c.stopped
	return c.db.Close()
}
