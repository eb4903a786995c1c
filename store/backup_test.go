package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestBackupWhileWriting copies a SQLite database while another goroutine
// keeps writing articles, then checks the copy's integrity and that it
// holds at least what was committed before the backup began.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "live.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	write := func(i int) error {
		_, err := db.CreateArticle(ctx, published(fmt.Sprintf("piece-%d", i), now.Add(-time.Duration(i)*time.Minute)))
		return err
	}
	for i := range 50 {
		if err := write(i); err != nil {
			t.Fatal(err)
		}
	}
	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		written atomic.Int64
	)
	wg.Go(func() {
		for i := 50; !stop.Load(); i++ {
			if err := write(i); err != nil {
				t.Errorf("write during backup: %v", err)
				return
			}
			written.Add(1)
		}
	})
	// Let the writer get going, then take several copies while it runs.
	for written.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	var copies []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("copy-%d.db", i))
		if err := db.Backup(ctx, p); err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		copies = append(copies, p)
	}
	stop.Store(true)
	wg.Wait()
	if written.Load() == 0 {
		t.Fatal("nothing was written during the backups")
	}
	for _, p := range copies {
		if err := store.CheckSQLite(ctx, p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		c, err := store.Open(ctx, "sqlite:"+p, store.Options{})
		if err != nil {
			t.Fatalf("open the copy: %v", err)
		}
		_, n, err := c.Articles(ctx, masthead.ArticleFilter{Limit: 1, Bare: true})
		c.Close()
		if err != nil || n < 55 {
			t.Errorf("%s holds %d articles (%v), want at least 55", p, n, err)
		}
	}

	// A second backup to the same name is refused, and nothing is lost.
	if err := db.Backup(ctx, copies[0]); masthead.ErrorCode(err) != masthead.ECONFLICT {
		t.Errorf("backup over an existing file: %v", err)
	}
}

func TestBackupPostgres(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Engine() != "postgres" {
			return
		}
		err := db.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db"))
		var me *masthead.Error
		if !errors.As(err, &me) || me.Code != masthead.EINVALID {
			t.Errorf("backup on PostgreSQL: %v", err)
		}
	})
}
