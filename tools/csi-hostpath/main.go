// csi-hostpath: a small CSI driver for the project's real test node (scripts/real-node/). Volumes are
// folders under --state-dir, published into Pods by bind mounts; a snapshot is a copy of a volume's
// folder (sharing blocks where the filesystem can), restored by copying it back. It exists because
// kubernetes-csi's hostpath driver and node-driver-registrar are not served by the Go module proxy
// this project builds from; the sidecars (csi-provisioner, csi-snapshotter, snapshot-controller) are
// kubernetes-csi's own (tools/csi-sidecars), so the Kubernetes side is the real thing.
//
// One process serves the CSI Identity, Controller and Node services on --endpoint and the kubelet's
// plugin-registration service in --registration-dir (the registrar's job), for a single node.
// Test tool only, never shipped.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	registration "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

const version = "0.1.0"

func main() {
	driver := flag.String("driver-name", "csi-hostpath.cnpg-ts", "the CSI driver name (CSIDriver, StorageClass provisioner, VolumeSnapshotClass driver)")
	endpoint := flag.String("endpoint", "", "the CSI socket path")
	stateDir := flag.String("state-dir", "", "where volumes and snapshots are kept")
	nodeID := flag.String("node-id", "", "this node's name, as the kubelet registers it")
	regDir := flag.String("registration-dir", "", "the kubelet's plugins_registry folder (empty: do not register with a kubelet)")
	flag.Parse()
	if *endpoint == "" || *stateDir == "" || *nodeID == "" {
		log.Fatal("--endpoint, --state-dir and --node-id are required")
	}
	if err := run(*driver, *endpoint, *stateDir, *nodeID, *regDir); err != nil {
		log.Fatal(err)
	}
}

func run(driver, endpoint, stateDir, nodeID, regDir string) error {
	st, err := newStore(stateDir)
	if err != nil {
		return err
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(logCalls))
	csi.RegisterIdentityServer(srv, &identity{name: driver})
	csi.RegisterControllerServer(srv, &controller{store: st})
	csi.RegisterNodeServer(srv, &node{store: st, nodeID: nodeID})
	lis, err := listenUnix(endpoint)
	if err != nil {
		return err
	}
	servers := []*grpc.Server{srv}
	errs := make(chan error, 2)
	go func() { errs <- srv.Serve(lis) }()

	// The kubelet watches its plugins_registry folder for sockets, asks each for its driver name and
	// CSI endpoint, then calls NodeGetInfo there; removing the socket unregisters the driver. So the
	// registration socket is created last, once the CSI endpoint answers.
	regSock := ""
	if regDir != "" {
		regSock = filepath.Join(regDir, driver+"-reg.sock")
		reg := grpc.NewServer()
		registration.RegisterRegistrationServer(reg, &registrar{name: driver, endpoint: endpoint})
		rl, err := listenUnix(regSock)
		if err != nil {
			return err
		}
		servers = append(servers, reg)
		go func() { errs <- reg.Serve(rl) }()
	}
	log.Printf("csi-hostpath %s: driver %s, node %s, state %s, endpoint %s", version, driver, nodeID, stateDir, endpoint)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case s := <-sig:
		log.Printf("%v: stopping", s)
	case err = <-errs:
	}
	for i := len(servers) - 1; i >= 0; i-- {
		servers[i].Stop()
	}
	for _, p := range []string{regSock, endpoint} {
		if p != "" {
			_ = os.Remove(p)
		}
	}
	return err
}

// listenUnix listens on path, replacing the socket a killed run left (but nothing else).
func listenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	return net.Listen("unix", path)
}

// logCalls logs every call that changes something or fails, by method and outcome only: requests
// may carry secrets.
func logCalls(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	switch {
	case err != nil:
		log.Printf("%s: %v", info.FullMethod, status.Convert(err).Message())
	case !quiet[info.FullMethod]:
		log.Printf("%s: ok %s", info.FullMethod, subject(req))
	}
	return resp, err
}

// Polled all the time by the sidecars and the kubelet: not worth a log line each.
var quiet = map[string]bool{
	"/csi.v1.Identity/Probe": true, "/csi.v1.Identity/GetPluginInfo": true,
	"/csi.v1.Identity/GetPluginCapabilities": true, "/csi.v1.Controller/ControllerGetCapabilities": true,
	"/csi.v1.Node/NodeGetCapabilities": true, "/csi.v1.Controller/ListSnapshots": true,
}

// subject names what a call was about (IDs only).
func subject(req any) string {
	switch r := req.(type) {
	case *csi.CreateVolumeRequest:
		return fmt.Sprintf("volume %s (source %v)", r.GetName(), r.GetVolumeContentSource())
	case *csi.DeleteVolumeRequest:
		return "volume " + r.GetVolumeId()
	case *csi.CreateSnapshotRequest:
		return fmt.Sprintf("snapshot %s of volume %s", r.GetName(), r.GetSourceVolumeId())
	case *csi.DeleteSnapshotRequest:
		return "snapshot " + r.GetSnapshotId()
	case *csi.NodePublishVolumeRequest:
		return fmt.Sprintf("volume %s on %s", r.GetVolumeId(), r.GetTargetPath())
	case *csi.NodeUnpublishVolumeRequest:
		return fmt.Sprintf("volume %s from %s", r.GetVolumeId(), r.GetTargetPath())
	}
	return ""
}

type identity struct {
	csi.UnimplementedIdentityServer
	name string
}

func (i *identity) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: i.name, VendorVersion: version}, nil
}

func (i *identity) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	return &csi.GetPluginCapabilitiesResponse{Capabilities: []*csi.PluginCapability{{
		Type: &csi.PluginCapability_Service_{Service: &csi.PluginCapability_Service{Type: csi.PluginCapability_Service_CONTROLLER_SERVICE}},
	}}}, nil
}

func (i *identity) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	return &csi.ProbeResponse{}, nil
}

// registrar answers the kubelet's plugin watcher (what node-driver-registrar does for other drivers).
type registrar struct {
	registration.UnimplementedRegistrationServer
	name, endpoint string
}

func (r *registrar) GetInfo(context.Context, *registration.InfoRequest) (*registration.PluginInfo, error) {
	return &registration.PluginInfo{
		Type: registration.CSIPlugin, Name: r.name, Endpoint: r.endpoint, SupportedVersions: []string{"1.0.0"},
	}, nil
}

func (r *registrar) NotifyRegistrationStatus(_ context.Context, s *registration.RegistrationStatus) (*registration.RegistrationStatusResponse, error) {
	if s.GetPluginRegistered() {
		log.Printf("registered with the kubelet")
	} else {
		log.Printf("the kubelet refused the registration: %s", s.GetError())
	}
	return &registration.RegistrationStatusResponse{}, nil
}
