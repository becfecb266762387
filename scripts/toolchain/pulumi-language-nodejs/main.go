// Command pulumi-language-nodejs is Hearth's own, minimal Node.js language host for the Pulumi engine.
//
// Why it exists: upstream's host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3). That module is never tagged, and the
// module proxy reachable from our machines refuses it ("403 Forbidden: This module version is not available"),
// so it cannot be built here. This host implements just what `pulumi preview/up/destroy/refresh` need:
// Run (start @pulumi/pulumi's `cmd/run` under node), RunPlugin (start a policy pack or plugin with
// `cmd/run-policy-pack` or `cmd/run-plugin`: `pulumi preview --policy-pack` needs it), GetRequiredPackages (read
// pulumi plugin metadata from the program's node_modules) and GetPluginInfo. Everything else answers
// Unimplemented, which the engine treats as "older host" and falls back from. Written against the public pulumirpc protocol; no upstream code copied.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is set with -ldflags "-X main.version=..." to the pinned @pulumi/pulumi version.
var version = "0.0.0-dev"

// bailExitCode is the exit code @pulumi/pulumi's cmd/run uses after it has already reported a user-facing error.
const bailExitCode = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func main() {
	// The engine passes the engine address as the last positional argument; it may also pass flags such as
	// -tracing or -root. Accept and ignore flags we do not use.
	fs := flag.NewFlagSet(os.Args[0], flag.ContinueOnError)
	_ = fs.String("tracing", "", "emit tracing to a Zipkin-compatible endpoint (ignored)")
	_ = fs.String("root", "", "project root directory (ignored; the engine sends ProgramInfo)")
	_ = fs.Bool("typescript", true, "ignored; read from runtime options")
	_ = fs.String("tsconfig", "", "ignored; read from runtime options")
	_ = fs.String("nodeargs", "", "ignored; read from runtime options")
	_ = fs.String("packagemanager", "", "ignored")
	_ = fs.Bool("logtostderr", false, "ignored")
	_ = fs.Int("v", 0, "ignored")
	if err := fs.Parse(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if fs.NArg() > 0 && fs.Arg(0) == "--version" {
		fmt.Println(version)
		return
	}
	h := &host{}
	if fs.NArg() > 0 {
		h.engineAddress = fs.Arg(fs.NArg() - 1)
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPackages lists the resource plugins that the program's direct dependencies declare in their
// package.json ("pulumi": {"resource": true, "name": ..., "version": ...}).
func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir := programDir(req.GetInfo())
	pkgs, err := requiredPackages(dir)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Main            string            `json:"main"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

// findUp looks for rel in dir and each of its parents, like node's module resolution.
func findUp(dir, rel string) (string, bool) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, rel)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		if parent := filepath.Dir(d); parent == d {
			return "", false
		}
	}
}

func requiredPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	pkgPath, ok := findUp(dir, "package.json")
	if !ok {
		return nil, nil
	}
	root, err := readPackageJSON(pkgPath)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(root.Dependencies)+len(root.DevDependencies))
	for n := range root.Dependencies {
		names = append(names, n)
	}
	for n := range root.DevDependencies {
		names = append(names, n)
	}
	sort.Strings(names)
	seen := map[string]bool{}
	var out []*pulumirpc.PackageDependency
	for _, n := range names {
		p, ok := findUp(filepath.Dir(pkgPath), filepath.Join("node_modules", n, "package.json"))
		if !ok {
			continue
		}
		dep, err := readPackageJSON(p)
		if err != nil || dep.Pulumi == nil || !dep.Pulumi.Resource {
			continue
		}
		name := dep.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(dep.Name, "@pulumi/")
		}
		v := dep.Pulumi.Version
		if v == "" {
			v = dep.Version
		}
		if v != "" && !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		if seen[name+"@"+v] {
			continue
		}
		seen[name+"@"+v] = true
		out = append(out, &pulumirpc.PackageDependency{
			Name: name, Kind: "resource", Version: v, Server: dep.Pulumi.Server,
		})
	}
	return out, nil
}

func programDir(info *pulumirpc.ProgramInfo) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	wd, _ := os.Getwd()
	return wd
}

func optString(opts *structpb.Struct, key string) (string, bool) {
	if opts == nil {
		return "", false
	}
	v, ok := opts.GetFields()[key]
	if !ok {
		return "", false
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return k.StringValue, true
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(k.BoolValue), true
	case *structpb.Value_NumberValue:
		return strconv.FormatFloat(k.NumberValue, 'f', -1, 64), true
	}
	return "", false
}

// RunPlugin starts a plugin written in Node.js, as the engine asks for a policy pack (PulumiPolicy.yaml with
// runtime nodejs; kind "analyzer") or a resource plugin (PulumiPlugin.yaml): `node
// <@pulumi/pulumi>/cmd/run-policy-pack <args> <dir>` or `.../cmd/run-plugin <args> <dir>`, in the plugin's
// folder, with the environment the engine sends. Its stdout and stderr are streamed back as they come (the
// engine reads the plugin's port from the first line of stdout), then its exit code.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	if dir == "" {
		return errors.New("RunPlugin: no plugin directory")
	}
	entry := "run-plugin"
	if req.GetKind() == "analyzer" {
		entry = "run-policy-pack"
	}
	runner, ok := findUp(dir, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", entry, "index.js"))
	if !ok {
		return fmt.Errorf("could not find @pulumi/pulumi/cmd/%s from %s: run `npm install` in the project first", entry, dir)
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return errors.New("could not find `node` on PATH")
	}
	program := info.GetEntryPoint()
	if program == "" {
		program = "."
	}
	var args []string
	if nodeargs, ok := optString(info.GetOptions(), "nodeargs"); ok && nodeargs != "" {
		args = append(args, strings.Fields(nodeargs)...)
	}
	args = append(args, runner)
	args = append(args, req.GetArgs()...)
	args = append(args, program)

	cmd := exec.CommandContext(server.Context(), nodeBin, args...)
	cmd.Dir = dir
	cmd.Env = req.GetEnv()
	if len(cmd.Env) == 0 {
		cmd.Env = os.Environ()
	}
	typescript := "true"
	if v, ok := optString(info.GetOptions(), "typescript"); ok {
		typescript = v
	}
	cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TYPESCRIPT="+typescript)

	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// One sender at a time: gRPC streams are not safe for concurrent Send.
	var mu sync.Mutex
	send := func(r *pulumirpc.RunPluginResponse) error {
		mu.Lock()
		defer mu.Unlock()
		return server.Send(r)
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				chunk := append([]byte(nil), buf[:n]...)
				if sendErr := send(wrap(chunk)); sendErr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait()
	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode())
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

// Run starts `node <@pulumi/pulumi>/cmd/run <flags> <program>` and waits for it.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	pwd := req.GetPwd()
	if info.GetProgramDirectory() != "" {
		pwd = info.GetProgramDirectory()
	}
	if pwd == "" {
		pwd, _ = os.Getwd()
	}
	program := info.GetEntryPoint()
	if program == "" {
		program = req.GetProgram() //nolint:staticcheck // fallback for engines that do not send ProgramInfo
	}
	if program == "" {
		program = "."
	}

	runner, ok := findUp(pwd, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", "run", "index.js"))
	if !ok {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"could not find @pulumi/pulumi/cmd/run from %s: run `npm install` in the project first", pwd)}, nil
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find `node` on PATH"}, nil
	}

	var args []string
	if nodeargs, ok := optString(info.GetOptions(), "nodeargs"); ok && nodeargs != "" {
		args = append(args, strings.Fields(nodeargs)...)
	}
	args = append(args, runner)
	if req.GetOrganization() != "" {
		args = append(args, "--organization", req.GetOrganization())
	}
	args = append(args,
		"--monitor", req.GetMonitorAddress(),
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", pwd,
	)
	if info.GetRootDirectory() != "" {
		args = append(args, "--root-directory", info.GetRootDirectory())
	}
	if h.engineAddress != "" {
		args = append(args, "--engine", h.engineAddress)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 1 {
		args = append(args, "--parallel", strconv.Itoa(int(req.GetParallel())))
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cfg, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	sk, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(cfg), "PULUMI_CONFIG_SECRET_KEYS="+string(sk))
	typescript := "true"
	if v, ok := optString(info.GetOptions(), "typescript"); ok {
		typescript = v
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+typescript)
	if v, ok := optString(info.GetOptions(), "tsconfig"); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}

	cmd := exec.CommandContext(ctx, nodeBin, args...)
	cmd.Dir = pwd
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf(
				"Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}
