// Prints the TXT strings go-micro's mdns registry writes for a sample service, using
// the same standard-library steps as its `encode` (JSON, zlib, hex, 255-char cuts).
// Its output is tests/fixtures/gomicro_txt_helloworld.txt (minus the JSON line).
package main

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

type Value struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Values []*Value `json:"values"`
}
type Endpoint struct {
	Name     string            `json:"name"`
	Request  *Value            `json:"request"`
	Response *Value            `json:"response"`
	Metadata map[string]string `json:"metadata"`
}
type mdnsTxt struct {
	Metadata  map[string]string
	Service   string
	Version   string
	Endpoints []*Endpoint
}

func main() {
	t := &mdnsTxt{Metadata: map[string]string{"broker": "http", "protocol": "grpc", "registry": "mdns", "server": "grpc", "transport": "grpc"},
		Service: "helloworld", Version: "latest",
		Endpoints: []*Endpoint{{Name: "Helloworld.Call", Request: &Value{Name: "Request", Type: "Request", Values: []*Value{{Name: "name", Type: "string"}}},
			Response: &Value{Name: "Response", Type: "Response", Values: []*Value{{Name: "msg", Type: "string"}}}, Metadata: map[string]string{}}}}
	b, _ := json.Marshal(t)
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	e := hex.EncodeToString(buf.Bytes())
	fmt.Println(string(b))
	for len(e) > 255 {
		fmt.Println(e[:255])
		e = e[255:]
	}
	fmt.Println(e)
}
