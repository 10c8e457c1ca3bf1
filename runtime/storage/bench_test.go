package storage

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	goruntime "runtime"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

func BenchmarkCreate(b *testing.B) {
	s := podStore(b, openTestDB(b, defaultHistorySize, nil), "/pods")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		name := "p" + strconv.Itoa(i)
		i++
		if err := s.Create(context.Background(), "/pods/ns/"+name, pod("ns", name, nil), &example.Pod{}, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGuaranteedUpdate(b *testing.B) {
	for _, tc := range []struct {
		name   string
		change bool
	}{{"change", true}, {"no-op", false}} {
		b.Run(tc.name, func(b *testing.B) {
			s := podStore(b, openTestDB(b, defaultHistorySize, nil), "/pods")
			mustCreate(b, s, "/pods/ns/a", pod("ns", "a", map[string]string{"n": "0"}))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				err := s.GuaranteedUpdate(context.Background(), "/pods/ns/a", &example.Pod{}, false, nil,
					storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
						if tc.change {
							obj.(*example.Pod).Labels["n"] = strconv.Itoa(i)
						}
						return obj, nil
					}), nil)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGetList1000(b *testing.B) {
	db := openTestDB(b, defaultHistorySize, nil)
	s := podStore(b, db, "/pods")
	for i := 0; i < 1000; i++ {
		name := fmt.Sprintf("p%04d", i)
		mustCreate(b, s, "/pods/ns/"+name, pod("ns", name, map[string]string{"app": "web"}))
	}
	b.ReportAllocs()
	for b.Loop() {
		var l example.PodList
		if err := s.GetList(context.Background(), "/pods", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, &l); err != nil {
			b.Fatal(err)
		}
		if len(l.Items) != 1000 {
			b.Fatalf("listed %d", len(l.Items))
		}
	}
}

// One write delivered to 10 watchers of the resource, per iteration: the
// clock runs until every watcher has received the last write.
func BenchmarkWatchFanOut10(b *testing.B) {
	db := openTestDB(b, defaultHistorySize, nil)
	s := podStore(b, db, "/pods")
	mustCreate(b, s, "/pods/ns/a", pod("ns", "a", map[string]string{"n": "0"}))
	start := rvString(db.ResourceVersion())
	const watchers = 10
	var seen [watchers]atomic.Uint64 // last resourceVersion each watcher got
	var counts [watchers]int
	var done sync.WaitGroup
	for i := 0; i < watchers; i++ {
		w := mustWatch(b, s, "/pods", storage.ListOptions{Recursive: true, ResourceVersion: start})
		done.Add(1)
		go func() {
			defer done.Done()
			for e := range w.ResultChan() {
				rv, _ := strconv.ParseUint(e.Object.(*example.Pod).ResourceVersion, 10, 64)
				seen[i].Store(rv)
				counts[i]++
			}
		}()
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		mustUpdate(b, s, "/pods/ns/a", map[string]string{"n": strconv.Itoa(n)})
	}
	last := db.ResourceVersion()
	for i := range seen {
		for seen[i].Load() < last {
			goruntime.Gosched()
		}
	}
	b.StopTimer()
	_ = db.Close()
	done.Wait()
	for i, c := range counts {
		if c != n {
			b.Fatalf("watcher %d got %d events, want %d", i, c, n)
		}
	}
}
