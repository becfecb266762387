// Command etcd runs etcd's server entry point from go.etcd.io/etcd/server/v3 (see ../go.mod for why).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
