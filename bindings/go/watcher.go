package microreg

import (
	"errors"
	"sync"
)

// pollMs is how long one microreg_watcher_next call waits. Stop wakes a waiting
// call at once; the bound only keeps the goroutine from waiting forever.
const pollMs = 1000

// Watcher delivers the changes of a Watch, in order. A goroutine polls the
// library and hands each event over, so no Go code runs on a library thread.
type Watcher struct {
	results chan *Result  // fed and, when the watch ends, closed by the goroutine
	stop    chan struct{} // closed by Stop
	done    chan struct{} // closed when the goroutine has released the handle
	err     error         // why the goroutine ended on its own; read after results closed
	once    sync.Once
	forget  func(*Watcher)

	// handleMu orders Stop's wake-up call before the goroutine frees the handle.
	handleMu sync.Mutex
	handle   cWatcher // nil once freed
}

func startWatcher(handle cWatcher, forget func(*Watcher)) *Watcher {
	w := &Watcher{
		results: make(chan *Result),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		forget:  forget,
		handle:  handle,
	}
	go w.poll(handle)
	return w
}

// poll owns the C watcher: it alone calls next on it and frees it.
func (w *Watcher) poll(handle cWatcher) {
	defer close(w.done)
	defer w.release()
	defer close(w.results)
	for !isStopped(w.stop) {
		maybeGC() // -tags microreg_gccheck: see gccheck_on.go
		var result *Result
		err := cWatcherNext(handle, pollMs, func(b []byte) (err error) {
			result, err = decodeResult(b)
			return undecodable(err)
		})
		if errors.Is(err, ErrTimeout) {
			continue
		}
		if isStopped(w.stop) {
			return
		}
		if err != nil {
			w.err = err
			return
		}
		select {
		case w.results <- result:
		case <-w.stop:
			return
		}
	}
}

// release frees the C watcher; after it Stop has nothing to wake.
func (w *Watcher) release() {
	w.handleMu.Lock()
	defer w.handleMu.Unlock()
	cWatcherFree(w.handle)
	w.handle = nil
}

func isStopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// Next blocks until the next change. After Stop it returns an error matching
// ErrWatcherStopped; if the library ends the watch, the library's error.
func (w *Watcher) Next() (*Result, error) {
	if isStopped(w.stop) {
		return nil, ErrWatcherStopped
	}
	select {
	case result, ok := <-w.results:
		if ok {
			return result, nil
		}
		return nil, w.endError()
	case <-w.stop:
		return nil, ErrWatcherStopped
	}
}

// endError is why the results channel closed.
func (w *Watcher) endError() error {
	if isStopped(w.stop) || w.err == nil {
		return ErrWatcherStopped
	}
	return w.err
}

// Results is the stream of changes as a channel, closed when the watch ends
// (after Stop, or with the error Next then returns). Use either Results or Next.
func (w *Watcher) Results() <-chan *Result { return w.results }

// Stop ends the watch: a blocked Next returns ErrWatcherStopped and Results
// closes at once. Safe to call more than once and from any goroutine.
func (w *Watcher) Stop() {
	w.once.Do(func() {
		close(w.stop)
		w.handleMu.Lock()
		if w.handle != nil {
			cWatcherStop(w.handle)
		}
		w.handleMu.Unlock()
		w.forget(w)
	})
}
