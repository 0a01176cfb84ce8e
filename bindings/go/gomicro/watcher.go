package gomicro

import (
	microreg "github.com/microreg/microreg/bindings/go"
	"go-micro.dev/v5/registry"
)

// watcher is go-micro's registry.Watcher over a microreg watcher.
type watcher struct {
	w *microreg.Watcher
}

// Next returns the next change; go-micro's consumers expect a service on
// every result, so a result without one (never sent by the library) is skipped.
func (w *watcher) Next() (*registry.Result, error) {
	for {
		result, err := w.w.Next()
		if err != nil {
			return nil, translate(err)
		}
		if result.Service != nil {
			return &registry.Result{Action: result.Action.String(), Service: fromMicroreg(result.Service)}, nil
		}
	}
}

func (w *watcher) Stop() { w.w.Stop() }
