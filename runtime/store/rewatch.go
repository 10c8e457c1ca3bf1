package store

import (
	"context"
	"log"
	"time"
)

// KeepWatching runs watch, a component's loop over its watches, until ctx
// ends, restarting it a second after it fails (a closed or expired watch):
// the controllers' Run.
func KeepWatching(ctx context.Context, name string, watch func(context.Context) error) {
	for ctx.Err() == nil {
		if err := watch(ctx); err != nil && ctx.Err() == nil {
			log.Printf("%s: %v (restarting watch)", name, err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}
