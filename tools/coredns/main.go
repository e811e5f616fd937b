// CoreDNS for the real test node (scripts/real-node/): the cluster DNS the Pods use to reach each
// other through `X-rw.ns.svc`. Upstream's main links every plugin (cloud DNS providers, etcd,
// dnstap, geoip…), which took 17 minutes to build cold here; this one links only the plugins our
// Corefile uses, from the same pinned release. Directive order stays upstream's (dnsserver.Directives).
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func main() {
	coremain.Run()
}
