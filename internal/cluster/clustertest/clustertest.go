// Package clustertest gives tests the Redis that RAPPORT_TEST_REDIS names,
// with a key prefix of their own, deleted when the test ends. Under CI=true
// a missing Redis fails the test instead of skipping it.
package clustertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// RedisURL returns the Redis the tests may use, skipping tb (or failing it
// under CI) when none is configured.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("RAPPORT_TEST_REDIS")
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("RAPPORT_TEST_REDIS is not set; `make test` sets it after starting Redis")
		}
		tb.Skip("RAPPORT_TEST_REDIS is not set; run `make test` to test the cluster")
	}
	return u
}

// Prefix is a key prefix of tb's own; its keys are deleted when tb ends.
func Prefix(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	p := "rapport-test-" + hex.EncodeToString(b)
	url := RedisURL(tb)
	tb.Cleanup(func() {
		o, err := redis.ParseURL(url)
		if err != nil {
			return
		}
		rdb := redis.NewClient(o)
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, p+":*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return p
}

// Client opens a client of the tests' Redis, closed when tb ends.
func Client(tb testing.TB) *redis.Client {
	tb.Helper()
	o, err := redis.ParseURL(RedisURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	rdb := redis.NewClient(o)
	tb.Cleanup(func() { rdb.Close() })
	return rdb
}
