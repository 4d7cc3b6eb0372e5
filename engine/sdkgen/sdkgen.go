// Package sdkgen answers the language hosts' GeneratePackage call (`pulumi package gen-sdk`,
// `pulumi package add`) with Pulumi's own SDK generators from pkg/v3/codegen.
//
// The CLI hands the host a package schema and the address of its schema loader (for the
// schemas the package refers to, such as azure-native's); the host binds the schema, runs the
// language's generator and writes the files it returns into the requested directory
// (pulumi/pulumi pkg/cmd/pulumi/packages/packages.go, GenSDK, at the pinned version).
package sdkgen

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Generator is one language's SDK generator: the files of the SDK by relative path.
type Generator func(
	pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, loader schema.ReferenceLoader,
) (map[string][]byte, error)

// Generate binds the request's schema and writes what generate makes of it. Schema problems
// come back as diagnostics, which the CLI prints, not as a failed call.
func Generate(
	_ context.Context, req *pulumirpc.GeneratePackageRequest, generate Generator,
) (*pulumirpc.GeneratePackageResponse, error) {
	client, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("connecting to the CLI's schema loader: %w", err)
	}
	defer client.Close()
	loader := schema.NewCachedLoader(client)

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("reading the package schema: %w", err)
	}
	// References into other packages' schemas are resolved by the loader when a generator
	// needs them, as Pulumi's own hosts bind (AllowDanglingReferences).
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	response := &pulumirpc.GeneratePackageResponse{Diagnostics: plugin.HclDiagnosticsToRPCDiagnostics(diags)}
	if diags.HasErrors() {
		return response, nil
	}
	files, err := generate(pkg, req, loader)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		path := filepath.Join(req.GetDirectory(), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return response, nil
}
