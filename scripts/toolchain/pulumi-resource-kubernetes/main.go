// Command pulumi-resource-kubernetes is Hearth's entry point for the Pulumi Kubernetes provider. build.sh
// places next to it, at build time, the module's schema.json (top-level "version" set, compacted) and
// terraform-mapping.json; both are generated into the cache, never committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var mapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, mapping)
}
