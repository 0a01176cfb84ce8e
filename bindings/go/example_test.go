package microreg_test

import (
	"errors"
	"fmt"
	"log"
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

// The example of README.md, as written there (TestReadmeIsExample checks
// that it is); it uses the LAN, so it runs inside the test namespace.
func Example_readme() {
	r, err := microreg.New(microreg.Backend("mdns"), microreg.Domain("micro")) // mdns is the default; "memory" = this process
	if err != nil {
		log.Fatal(err) // check before deferring Close: r is nil on error
	}
	defer r.Close()                                     // idempotent
	w, err := r.Watch(microreg.WatchService("greeter")) // before Register, so that it sees it
	if err != nil {
		log.Fatal(err)
	}
	defer w.Stop() // later Next: ErrWatcherStopped
	err = r.Register(&microreg.Service{Name: "greeter", Version: "1.0.0",
		Nodes: []*microreg.Node{{Id: "greeter-1", Address: "10.0.0.5:8080"}}},
		microreg.RegisterTTL(30*time.Second)) // kept alive until Deregister/Close
	if err != nil {
		log.Fatal(err)
	}
	svcs, err := r.GetService("greeter") // errors.Is(err, microreg.ErrNotFound) when unknown
	if err != nil {
		log.Fatal(err)
	}
	all, err := r.ListServices(microreg.ListDomain("*"))
	if err != nil {
		log.Fatal(err)
	}
	res, err := w.Next() // *Result{Action: "create"|"update"|"delete", Service, Timestamp}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(svcs[0].Name, len(all) > 0, res.Action)
	// Output: greeter true create
}
