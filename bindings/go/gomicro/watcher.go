package gomicro

import (
	microreg "github.com/microreg/microreg/bindings/go"
	"go-micro.dev/v5/registry"
)

// watcher is go-micro's registry.Watcher over a microreg watcher.
type watcher struct {
	w *microreg.Watcher
}

func (w *watcher) Next() (*registry.Result, error) {
	result, err := w.w.Next()
	if err != nil {
		return nil, translate(err)
	}
	return &registry.Result{Action: result.Action.String(), Service: fromMicroreg(result.Service)}, nil
}

func (w *watcher) Stop() { w.w.Stop() }
