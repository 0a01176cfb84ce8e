package microreg_test

import (
	"errors"
	"fmt"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
)

func Example() {
	r, err := microreg.New(microreg.Backend("memory")) // in this process; "mdns" (the default) for the LAN
	if err != nil {
		panic(err)
	}
	defer r.Close()

	w, err := r.Watch(microreg.WatchService("example-greeter"))
	if err != nil {
		panic(err)
	}
	defer w.Stop()

	err = r.Register(&microreg.Service{
		Name:    "example-greeter",
		Version: "1.0.0",
		Nodes:   []*microreg.Node{{Id: "example-greeter-1", Address: "10.0.0.5:8080"}},
	}, microreg.RegisterTTL(30*time.Second))
	if err != nil {
		panic(err)
	}

	services, err := r.GetService("example-greeter")
	if err != nil {
		panic(err)
	}
	fmt.Println(services[0].Name, services[0].Version, services[0].Nodes[0].Address)

	event, err := w.Next()
	if err != nil {
		panic(err)
	}
	fmt.Println(event.Action, event.Service.Nodes[0].Id)

	_, err = r.GetService("example-nobody")
	fmt.Println(errors.Is(err, microreg.ErrNotFound))
	// Output:
	// example-greeter 1.0.0 10.0.0.5:8080
	// create example-greeter-1
	// true
}
