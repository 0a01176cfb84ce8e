// Command selectecho selects a node of the "echo" service (registered on
// another host) and says hello over TCP: the whole path from Go, through
// microreg's Select and through go-micro's selector.Selector. Run by
// tests/select/two_hosts.sh inside tests/netns/isolated.
//
//	selectecho -via microreg|gomicro [-rounds 2]
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"time"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/gomicro"
	"go-micro.dev/v5/selector"
)

func hello(address, face string) (string, error) {
	conn, err := net.DialTimeout("tcp", address, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(conn, "hello from %s\n", face); err != nil {
		return "", err
	}
	return bufio.NewReader(conn).ReadString('\n')
}

// retry calls pick until it stops saying "not found" (a fresh process has to
// discover the service first).
func retry[T any](pick func() (T, error), notFound func(error) bool) (T, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := pick()
		if err == nil || !notFound(err) || time.Now().After(deadline) {
			return v, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func main() {
	via := flag.String("via", "microreg", "microreg (Registry.Select) or gomicro (selector.Selector)")
	rounds := flag.Int("rounds", 2, "selections")
	flag.Parse()
	reg, err := gomicro.New(gomicro.With(microreg.Backend("mdns")))
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	face := "go/" + *via
	for range *rounds {
		var id, address string
		switch *via {
		case "microreg":
			s, err := reg.Microreg().NewSelector("echo", microreg.SelectStrategy(microreg.RoundRobin))
			if err != nil {
				log.Fatal(err)
			}
			n, err := retry(s.Next, func(err error) bool { return errors.Is(err, microreg.ErrNotFound) })
			if err != nil {
				log.Fatalf("select: %v", err)
			}
			id, address = n.Id, n.Address
			reply, err := hello(address, face)
			_ = reg.Microreg().Mark(id, err)
			report(face, id, address, reply, err)
		case "gomicro":
			sel := gomicro.NewSelector(selector.Registry(reg))
			next, err := retry(func() (selector.Next, error) {
				return sel.Select("echo", selector.WithStrategy(selector.RoundRobin))
			}, func(err error) bool { return err == selector.ErrNotFound })
			if err != nil {
				log.Fatalf("select: %v", err)
			}
			n, err := next()
			if err != nil {
				log.Fatalf("next: %v", err)
			}
			reply, err := hello(n.Address, face)
			sel.Mark("echo", n, err)
			report(face, n.Id, n.Address, reply, err)
		default:
			log.Fatalf("-via %q: choose microreg or gomicro", *via)
		}
	}
}

func report(face, id, address, reply string, err error) {
	if err != nil {
		log.Fatalf("%s at %s did not answer: %v", id, address, err)
	}
	fmt.Printf("%s: selected %s at %s, it answered: %s", face, id, address, reply)
}
