#!/usr/bin/env bash
# Hearth's local, offline sandbox, the target of the built-in `dev` stack (docs/sandbox.md):
#
#   npm run sandbox -- up       start everything (idempotent: what already runs is left alone)
#   npm run sandbox -- status   one line per part; exit 0 when all are up, 3 when not
#   npm run sandbox -- down [--keep-state]
#
# It runs a Kubernetes control plane on loopback (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) with three kwok-simulated Nodes, a Gitea on loopback, and three simulated "metal" machines
# for SSH, each an sshd in its own network, mount (overlayfs root), UTS, IPC and PID namespaces on a bridge.
# All state lives in one directory, ${HEARTH_SANDBOX_DIR:-<repo>/.sandbox}. Needs root.
# The binaries come from scripts/toolchain/build-sandbox.sh (into ${HEARTH_CACHE:-~/.cache/hearth}/sandbox).
set -euo pipefail
export LC_ALL=C

SELF=$(realpath "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
DIR=$(realpath -m "${HEARTH_SANDBOX_DIR:-$REPO/.sandbox}")
CACHE=${HEARTH_CACHE:-$HOME/.cache/hearth}
BIN=$CACHE/sandbox/bin
SHARE=$CACHE/sandbox/share

# Fixed loopback ports, chosen away from the components' defaults so that a real cluster on the same
# machine does not collide with the sandbox.
ETCD_PORT=12379
ETCD_PEER_PORT=12380
APISERVER_PORT=16443
CM_PORT=16257
SCHED_PORT=16259
KWOK_PORT=16280
GITEA_PORT=13000
# Two S3 servers (versitygw over a directory each): the dev stack's "nas" (local) and "offsite" backup targets.
S3_NAS_PORT=17070
S3_OFFSITE_PORT=17071

BRIDGE=hearth-sb0
BRIDGE_ADDR=10.77.0.1
# Every simulated machine reachable over SSH. The first three are Kubernetes Nodes too (MEMBERS); node-4 is a
# spare machine outside the cluster, for the day-2 tests that add and remove a node.
NODES=(node-1 node-2 node-3 node-4)
MEMBERS=(node-1 node-2 node-3)
# HEARTH_SANDBOX_NODES=N (3 to 99) for the scale bench (bench/scale.ts): N machines, every one a Node too.
if [ -n "${HEARTH_SANDBOX_NODES:-}" ]; then
	if ! [[ $HEARTH_SANDBOX_NODES =~ ^[0-9]+$ ]] || [ "$HEARTH_SANDBOX_NODES" -lt 3 ] || [ "$HEARTH_SANDBOX_NODES" -gt 99 ]; then
		echo "sandbox: HEARTH_SANDBOX_NODES=$HEARTH_SANDBOX_NODES: give a count of machines from 3 to 99" >&2
		exit 2
	fi
	NODES=()
	for ((i = 1; i <= HEARTH_SANDBOX_NODES; i++)); do NODES+=("node-$i"); done
	MEMBERS=("${NODES[@]}")
fi
# Members that are real nodes (containerd, kubelet and kube-proxy in the node's network namespace, pods of images
# built here: scripts/sandbox/real-node.ts); the others are kwok's. `none` for kwok only. A host that cannot run
# containers gets kwok with the reason printed. A real node carries the taint hearth.dev/real-node:NoSchedule, so
# only the apps the dev stack runs for real (they tolerate it) land there.
read -r -a REAL_NODES <<<"${HEARTH_SANDBOX_REAL_NODES:-node-1}"
[ "${REAL_NODES[*]}" = none ] && REAL_NODES=()
# Gitea runs as root: a dedicated user could not reach the sandbox directory when any folder above it is
# private (a checkout under /root, or in a 0700 mktemp folder), and the sandbox is root-only anyway.
GITEA_USER=root
GITEA_ADMIN=hearth-admin
SERVICE_CIDR=10.96.0.0/16
# Capabilities the simulated machines' processes never get: the kernel is the host's.
DROP_CAPS=-sys_module,-sys_boot,-sys_time,-sys_rawio,-wake_alarm,-syslog,-mac_admin,-mac_override
PARTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok gitea s3-nas s3-offsite)

PKI=$DIR/pki
KUBE=$DIR/kube
G=$DIR/gitea
KUBECTL=$BIN/kubectl

say() { printf 'sandbox: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# --- processes -------------------------------------------------------------------------------------------

pidfile() { printf '%s/run/%s.pid' "$DIR" "$1"; }

# The pid of a part when it runs: its pid file names a live process whose command line mentions the sandbox
# directory (so a reused pid is not mistaken for ours).
pid_of() {
	local f p
	f=$(pidfile "$1")
	[ -r "$f" ] || return 1
	p=$(<"$f")
	[[ $p =~ ^[0-9]+$ ]] && [ -r "/proc/$p/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$DIR" || return 1
	printf '%s' "$p"
}

# Starts a command in its own session (it outlives the calling shell), output to logs/NAME.log.
start_bg() {
	local name=$1
	shift
	printf '\n==== %s start %s\n' "$(date -u +%FT%TZ)" "$name" >>"$DIR/logs/$name.log"
	setsid "$@" </dev/null >>"$DIR/logs/$name.log" 2>&1 &
	printf '%s\n' "$!" >"$(pidfile "$name")"
}

# Stops the process groups of the given pids: TERM, then KILL after a grace period.
stop_pids() {
	local p i
	[ "$#" -gt 0 ] || return 0
	for p in "$@"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || :; done
	for ((i = 0; i < 100; i++)); do
		local alive=0
		for p in "$@"; do [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && alive=1; done
		[ "$alive" = 0 ] && return 0
		sleep 0.1
	done
	for p in "$@"; do kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || :; done
}

rss_of() { awk '/^VmRSS:/ { printf "%d MB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || :; }

# Waits until a check passes; fails early with the log's tail when the part's process has exited.
wait_for() {
	local what=$1 part=$2 timeout=$3
	shift 3
	local deadline=$((SECONDS + timeout))
	until "$@" >/dev/null 2>&1; do
		if [ -n "$part" ] && ! pid_of "$part" >/dev/null; then
			say "$what: $part exited; the end of $DIR/logs/$part.log:"
			tail -n 15 "$DIR/logs/$part.log" >&2 || :
			exit 1
		fi
		[ "$SECONDS" -lt "$deadline" ] || die "$what: not ready after ${timeout}s; see $DIR/logs/${part:-}*.log"
		sleep 0.1
	done
}

port_free() {
	local port=$1 what=$2 line holder
	line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 1)
	[ -z "$line" ] && return 0
	holder=$(printf '%s' "$line" | sed -nE 's/.*users:\(\("([^"]+)",pid=([0-9]+).*/pid \2 (\1)/p')
	die "port $port ($what) is already in use by ${holder:-an unknown process}: $(printf '%s' "$line" | awk '{print $4}'); stop it or choose another machine"
}

# --- health checks ---------------------------------------------------------------------------------------

etcd_ok() { curl -fsS --max-time 1 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
apiserver_ok() {
	[ "$(curl -fsS --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
		"https://127.0.0.1:$APISERVER_PORT/readyz" 2>/dev/null)" = ok ]
}
https_health_ok() { [ "$(curl -fsSk --max-time 1 "https://127.0.0.1:$1/healthz" 2>/dev/null)" = ok ]; }
kwok_ok() { [ "$(curl -fsS --max-time 1 "http://127.0.0.1:$KWOK_PORT/healthz" 2>/dev/null)" = ok ]; }
gitea_ok() { curl -fsS --max-time 2 "http://127.0.0.1:$GITEA_PORT/api/v1/version" | grep -q '"version"'; }
s3_port() { case $1 in s3-nas) echo "$S3_NAS_PORT" ;; s3-offsite) echo "$S3_OFFSITE_PORT" ;; esac; }
# An S3 server answers an anonymous request with an S3 error document.
s3_ok() { curl -sS --max-time 1 "http://127.0.0.1:$(s3_port "$1")/" 2>/dev/null | grep -q '<Error>'; }
# node-1..9 at 10.77.0.11-19, node-10..99 at 10.77.0.110-199.
node_addr() { printf '10.77.0.1%s' "${1#node-}"; }
node_mac() {
	local n=${1#node-}
	if [ "$n" -le 9 ]; then printf '52:54:00:77:00:1%s' "$n"; else printf '52:54:00:77:01:%02x' "$n"; fi
}
ssh_port_ok() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/22 && head -c 4 <&3 | grep -q SSH" 2>/dev/null; }

part_ok() {
	case $1 in
	etcd) etcd_ok ;;
	kube-apiserver) apiserver_ok ;;
	kube-controller-manager) https_health_ok "$CM_PORT" ;;
	kube-scheduler) https_health_ok "$SCHED_PORT" ;;
	kwok) kwok_ok ;;
	gitea) gitea_ok ;;
	s3-*) s3_ok "$1" ;;
	node-*) ssh_port_ok "$(node_addr "$1")" ;;
	esac
}
part_port() {
	case $1 in
	etcd) printf '127.0.0.1:%s' "$ETCD_PORT" ;;
	kube-apiserver) printf '127.0.0.1:%s' "$APISERVER_PORT" ;;
	kube-controller-manager) printf '127.0.0.1:%s' "$CM_PORT" ;;
	kube-scheduler) printf '127.0.0.1:%s' "$SCHED_PORT" ;;
	kwok) printf '127.0.0.1:%s' "$KWOK_PORT" ;;
	gitea) printf '127.0.0.1:%s' "$GITEA_PORT" ;;
	s3-*) printf '127.0.0.1:%s' "$(s3_port "$1")" ;;
	node-*) printf '%s:22' "$(node_addr "$1")" ;;
	esac
}
running() { pid_of "$1" >/dev/null && part_ok "$1"; }

kubectl_() { "$KUBECTL" --kubeconfig "$DIR/kubeconfig" --request-timeout=5s "$@"; }
nodes_ready() {
	kubectl_ get nodes "${MEMBERS[@]}" \
		-o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null |
		grep -c '^True$' || :
}
default_sa_ok() { kubectl_ -n default get serviceaccount default; }

# --- preflight -------------------------------------------------------------------------------------------

require_root() {
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, a bridge, overlay mounts, a system user); run it as root, e.g. sudo npm run sandbox -- $1"
}

require_binaries() {
	local missing=() b
	for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok gitea versitygw; do
		[ -x "$BIN/$b" ] || missing+=("$b")
	done
	[ -d "$SHARE/gitea/options" ] && [ -d "$SHARE/gitea/templates" ] || missing+=("share/gitea/{options,templates}")
	compgen -G "$SHARE/kwok/stages/*.yaml" >/dev/null || missing+=("share/kwok/stages/*.yaml")
	[ "${#missing[@]}" -eq 0 ] ||
		die "missing in $CACHE/sandbox: ${missing[*]}; build them with scripts/toolchain/build-sandbox.sh --for dev"
}

require_tools() {
	local need=()
	command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
	command -v sudo >/dev/null || need+=(sudo)
	command -v ssh >/dev/null || need+=(openssh-client)
	command -v openssl >/dev/null || need+=(openssl)
	command -v curl >/dev/null || need+=(curl)
	command -v git >/dev/null || need+=(git)
	command -v ip >/dev/null || need+=(iproute2)
	[ -x /usr/bin/python3 ] || command -v setfattr >/dev/null || need+=(attr)
	if [ "${#need[@]}" -gt 0 ]; then
		say "installing ${need[*]} from Debian"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	fi
	local t
	for t in setsid setpriv unshare pivot_root ss useradd; do command -v "$t" >/dev/null || die "needs $t (util-linux, iproute2, passwd)"; done
}

# Before anything changes: every port a stopped part needs is free, and the network is not another
# sandbox's.
preflight() {
	running etcd || {
		port_free "$ETCD_PORT" etcd
		port_free "$ETCD_PEER_PORT" "etcd peer"
	}
	running kube-apiserver || port_free "$APISERVER_PORT" kube-apiserver
	running kube-controller-manager || port_free "$CM_PORT" kube-controller-manager
	running kube-scheduler || port_free "$SCHED_PORT" kube-scheduler
	running kwok || port_free "$KWOK_PORT" kwok
	running gitea || port_free "$GITEA_PORT" gitea
	running s3-nas || port_free "$S3_NAS_PORT" s3-nas
	running s3-offsite || port_free "$S3_OFFSITE_PORT" s3-offsite
	local owner
	owner=$(net_owner)
	if [ -n "$owner" ] && [ "$owner" != "$DIR" ] && net_abandoned; then
		# Its processes were ended (a stopped session, a killed CI run): the network is left over, not in use.
		say "taking over the network of the sandbox in $owner: no process runs in its namespaces"
		net_down
		owner=
	fi
	[ -z "$owner" ] || [ "$owner" = "$DIR" ] ||
		die "the sandbox network ($BRIDGE, hearth-sb-node-*) belongs to the sandbox in $owner; take that one down first"
}

# --- certificates and kubeconfigs ------------------------------------------------------------------------

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# new_ca NAME SUBJECT: a self-signed certificate authority.
new_ca() {
	new_key "$PKI/$1.key"
	openssl req -x509 -new -key "$PKI/$1.key" -subj "$2" -days 3650 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$PKI/$1.crt" 2>/dev/null
}

# sign NAME SUBJECT EXTENSIONS [CA]: a key and a certificate signed by the sandbox CA (or by CA).
sign() {
	local name=$1 subj=$2 ext=$3 ca=${4:-ca}
	new_key "$PKI/$name.key"
	openssl req -new -key "$PKI/$name.key" -subj "$subj" 2>/dev/null |
		openssl x509 -req -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -set_serial "0x$(openssl rand -hex 16)" \
			-days 3650 -extfile <(printf '%b' "$ext") -out "$PKI/$name.crt" 2>/dev/null
}

ensure_pki() {
	# Logs and exec on a real node: the API server calls its kubelet with a client certificate of its own.
	if [ -s "$PKI/ca.crt" ] && [ ! -s "$PKI/apiserver-kubelet-client.crt" ]; then
		sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" \
			'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
		chmod 0600 "$PKI"/apiserver-kubelet-client.*
	fi
	[ -s "$PKI/ca.crt" ] && [ -s "$PKI/sa.pub" ] && return 0
	rm -rf "$PKI"
	install -d -m 0700 "$PKI"
	new_ca ca "/CN=hearth-sandbox-ca"
	# The aggregation layer's front proxy has its own CA, so that no other client certificate can assert
	# a user in request headers.
	new_ca front-proxy-ca "/CN=hearth-sandbox-front-proxy-ca"
	local client='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
	sign apiserver "/CN=kube-apiserver" \
		"basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n"
	sign admin "/O=system:masters/CN=hearth-admin" "$client"
	sign controller-manager "/CN=system:kube-controller-manager" "$client"
	sign scheduler "/CN=system:kube-scheduler" "$client"
	sign kwok "/O=system:masters/CN=hearth-kwok" "$client"
	sign front-proxy-client "/CN=front-proxy-client" "$client" front-proxy-ca
	sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
	openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
	chmod 0600 "$PKI"/*
}

# kubeconfig FILE USER: a kubeconfig with the CA and the user's client certificate embedded.
kubeconfig() {
	local file=$1 user=$2
	(
		umask 077
		cat >"$file.tmp" <<-EOF
			apiVersion: v1
			kind: Config
			clusters:
			  - name: hearth-sandbox
			    cluster:
			      server: https://127.0.0.1:$APISERVER_PORT
			      certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
			users:
			  - name: $user
			    user:
			      client-certificate-data: $(base64 -w0 "$PKI/$user.crt")
			      client-key-data: $(base64 -w0 "$PKI/$user.key")
			contexts:
			  - name: hearth-sandbox
			    context:
			      cluster: hearth-sandbox
			      user: $user
			current-context: hearth-sandbox
		EOF
		mv "$file.tmp" "$file"
	)
}

ensure_kubeconfigs() {
	install -d -m 0700 "$KUBE"
	kubeconfig "$DIR/kubeconfig" admin
	local c
	for c in controller-manager scheduler kwok; do kubeconfig "$KUBE/$c.kubeconfig" "$c"; done
	cat >"$KUBE/scheduler.yaml" <<-EOF
		apiVersion: kubescheduler.config.k8s.io/v1
		kind: KubeSchedulerConfiguration
		clientConnection:
		  kubeconfig: $KUBE/scheduler.kubeconfig
		leaderElection:
		  leaderElect: false
	EOF
}

# --- control plane ---------------------------------------------------------------------------------------

start_etcd() {
	port_free "$ETCD_PORT" etcd
	port_free "$ETCD_PEER_PORT" "etcd peer"
	install -d -m 0700 "$DIR/etcd"
	start_bg etcd "$BIN/etcd" --name hearth-sandbox --data-dir "$DIR/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster "hearth-sandbox=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
		--unsafe-no-fsync --log-level warn
}

start_apiserver() {
	port_free "$APISERVER_PORT" kube-apiserver
	# Hearth's CIS arguments and files, exactly as K3s gives every server (scripts/sandbox-apiserver.ts):
	# a real kube-apiserver parses and enforces them on every start.
	[ -d "$REPO/node_modules/ts-node" ] || die "node_modules is missing: run npm ci in $REPO"
	local hardening=()
	mapfile -t hardening < <(node -r "$REPO/node_modules/ts-node/register/transpile-only" \
		"$REPO/scripts/sandbox-apiserver.ts" "$DIR/apiserver")
	[ "${#hardening[@]}" -gt 0 ] || die "scripts/sandbox-apiserver.ts gave no API server arguments"
	start_bg kube-apiserver "$BIN/kube-apiserver" \
		--etcd-servers "http://127.0.0.1:$ETCD_PORT" \
		--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
		--tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
		--client-ca-file "$PKI/ca.crt" \
		--requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
		--requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
		--requestheader-extra-headers-prefix X-Remote-Extra- \
		--proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
		--service-cluster-ip-range "$SERVICE_CIDR" \
		--authorization-mode Node,RBAC "${hardening[@]}" \
		--endpoint-reconciler-type none --allow-privileged=true --profiling=false \
		--kubelet-preferred-address-types InternalIP,Hostname \
		--kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
		--kubelet-client-key "$PKI/apiserver-kubelet-client.key"
}

start_controller_manager() {
	port_free "$CM_PORT" kube-controller-manager
	local kc=$KUBE/controller-manager.kubeconfig
	start_bg kube-controller-manager "$BIN/kube-controller-manager" \
		--kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
		--bind-address 127.0.0.1 --secure-port "$CM_PORT" --leader-elect=false \
		--service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
		--use-service-account-credentials=true \
		--cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
		--service-cluster-ip-range "$SERVICE_CIDR" --cluster-name hearth-sandbox --profiling=false
}

start_scheduler() {
	port_free "$SCHED_PORT" kube-scheduler
	local kc=$KUBE/scheduler.kubeconfig
	start_bg kube-scheduler "$BIN/kube-scheduler" --config "$KUBE/scheduler.yaml" \
		--authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
		--bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --profiling=false
}

start_kwok() {
	port_free "$KWOK_PORT" kwok
	local args=() f
	# kwok's own stages (nodes and pods), then Hearth's (scripts/sandbox-stages: Ingress and LoadBalancer
	# addresses, which a home's Traefik and k3s ServiceLB would publish).
	for f in "$SHARE"/kwok/stages/*.yaml "$REPO"/scripts/sandbox-stages/*.yaml; do args+=(--config "$f"); done
	[ -f "$SHARE/kwok/storage/storage-class.yaml" ] || die "no kwok volume stages: run scripts/toolchain/build-sandbox.sh"
	start_bg kwok "$BIN/kwok" --kubeconfig "$KUBE/kwok.kubeconfig" "${args[@]}" \
		--manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
		--server-address "127.0.0.1:$KWOK_PORT" --cidr 10.244.0.0/16
}

# Whether a member is one of this sandbox's real nodes (its Node registers itself).
is_real() { [[ " ${REAL_NODES[*]} " == *" $1 "* ]]; }

# The simulated Kubernetes Nodes, one per member SSH node that is not real, with the same name and address.
apply_k8s_nodes() {
	local name n
	for name in "${MEMBERS[@]}"; do
		is_real "$name" && continue
		n=${name#node-}
		cat <<-EOF
			---
			apiVersion: v1
			kind: Node
			metadata:
			  name: $name
			  annotations:
			    kwok.x-k8s.io/node: fake
			    node.alpha.kubernetes.io/ttl: "0"
			  labels:
			    beta.kubernetes.io/arch: amd64
			    beta.kubernetes.io/os: linux
			    kubernetes.io/arch: amd64
			    kubernetes.io/hostname: $name
			    kubernetes.io/os: linux
			    type: kwok
			spec:
			  podCIDR: 10.244.$n.0/24
			  podCIDRs: [10.244.$n.0/24]
			status:
			  capacity: { cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 500Gi }
			  allocatable: { cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 500Gi }
			  addresses:
			    - { type: InternalIP, address: "$(node_addr "$name")" }
			    - { type: Hostname, address: $name }
			  nodeInfo:
			    architecture: amd64
			    operatingSystem: linux
			    osImage: Hearth sandbox (kwok)
			    kernelVersion: kwok
			    containerRuntimeVersion: kwok
			    kubeletVersion: v1.36.1
			    kubeProxyVersion: v1.36.1
		EOF
	done | kubectl_ apply -f - >/dev/null
}

# --- Real nodes ------------------------------------------------------------------------------------------

real_node() { (cd "$REPO" && node -r ts-node/register/transpile-only scripts/sandbox/real-node.ts "$@"); }

# The real nodes reach the API server at the bridge's address, forwarded to its loopback port; in-cluster clients
# reach it as the kubernetes Service, whose endpoint is that address (the API server reconciles none itself).
real_nodes_up() {
	[ "${#REAL_NODES[@]}" -gt 0 ] || return 0
	local why
	if ! why=$(real_node check); then
		say "real nodes: this host cannot run containers ($why); ${REAL_NODES[*]} stay kwok's"
		REAL_NODES=()
		apply_k8s_nodes
		return 0
	fi
	api_bridge_ok || start_bg api-bridge socat "TCP-LISTEN:$APISERVER_PORT,bind=$BRIDGE_ADDR,fork,reuseaddr" \
		"TCP:127.0.0.1:$APISERVER_PORT"
	kubectl_ apply -f - >/dev/null <<-EOF
		apiVersion: v1
		kind: Endpoints
		metadata: { name: kubernetes, namespace: default }
		subsets: [{ addresses: [{ ip: $BRIDGE_ADDR }], ports: [{ name: https, port: $APISERVER_PORT, protocol: TCP }] }]
	EOF
	local name
	for name in "${REAL_NODES[@]}"; do kubectl_ delete node "$name" --ignore-not-found >/dev/null; done
	real_node up "$DIR" "${REAL_NODES[@]}"
	# Volume directories a pod's own user can write, as k3s's local-path provisioner makes them (real-node/volumes.ts).
	pid_of real-volumes >/dev/null || start_bg real-volumes \
		node -r ts-node/register/transpile-only "$REPO/scripts/sandbox/real-node.ts" volumes "$DIR"
	for name in "${REAL_NODES[@]}"; do
		wait_for "real node $name" "$name-kubelet" 90 node_registered "$name"
		kubectl_ taint node "$name" hearth.dev/real-node=true:NoSchedule --overwrite >/dev/null
	done
	# The cluster's DNS, as k3s deploys it (scripts/sandbox/real-node/dns.ts): CoreDNS on the real nodes.
	real_node dns "$DIR"
}

api_bridge_ok() { ss -ltn 2>/dev/null | grep -q " $BRIDGE_ADDR:$APISERVER_PORT "; }
node_registered() { kubectl_ get node "$1" >/dev/null 2>&1; }

real_nodes_down() {
	local dirs=() name part p
	for part in api-bridge real-volumes; do
		p=$(cat "$DIR/run/$part.pid" 2>/dev/null || :)
		[ -z "$p" ] || kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || :
	done
	for name in "${MEMBERS[@]}"; do [ -d "$DIR/nodes/$name/real" ] && dirs+=("$name"); done
	[ "${#dirs[@]}" -eq 0 ] || real_node down "$DIR" "${dirs[@]}" || :
}

# --- Gitea -----------------------------------------------------------------------------------------------

gitea_cli() {
	setpriv --reuid="$GITEA_USER" --regid="$GITEA_USER" --init-groups -- \
		env -i HOME="$G/home" USER="$GITEA_USER" PATH=/usr/local/bin:/usr/bin:/bin GITEA_WORK_DIR="$G" \
		GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true \
		"$G/gitea" --config "$G/app.ini" --work-path "$G" "$@"
}

gitea_prepare() {
	install -d -m 0755 "$G"
	install -d -m 0750 -o "$GITEA_USER" -g "$GITEA_USER" "$G/data" "$G/custom" "$G/log" "$G/repos" "$G/home"
	# A hard link into the sandbox directory (a copy across file systems), so its processes are found by
	# their command line.
	if [ ! "$G/gitea" -ef "$BIN/gitea" ]; then
		ln -f "$BIN/gitea" "$G/gitea" 2>/dev/null || cp -f "$BIN/gitea" "$G/gitea"
	fi
	if [ ! -d "$G/static/options" ] || [ "$SHARE/gitea/options" -nt "$G/static/options" ]; then
		rm -rf "$G/static"
		install -d -m 0755 "$G/static"
		cp -r "$SHARE/gitea/options" "$SHARE/gitea/templates" "$G/static/"
		chmod -R a+rX "$G/static"
	fi
	[ -s "$G/app.ini" ] && return 0
	local secret_key internal_token jwt_secret
	secret_key=$(gitea_cli generate secret SECRET_KEY | tail -n 1)
	internal_token=$(gitea_cli generate secret INTERNAL_TOKEN | tail -n 1)
	jwt_secret=$(gitea_cli generate secret JWT_SECRET | tail -n 1)
	(
		umask 077
		cat >"$G/app.ini.tmp" <<-EOF
			; Written by scripts/sandbox.sh for the sandbox's Gitea; see docs/sandbox.md.
			APP_NAME = Hearth sandbox Gitea
			RUN_USER = $GITEA_USER
			RUN_MODE = prod
			WORK_PATH = $G

			[server]
			PROTOCOL = http
			HTTP_ADDR = 127.0.0.1
			HTTP_PORT = $GITEA_PORT
			DOMAIN = 127.0.0.1
			ROOT_URL = http://127.0.0.1:$GITEA_PORT/
			DISABLE_SSH = true
			START_SSH_SERVER = false
			OFFLINE_MODE = true
			LFS_START_SERVER = false
			STATIC_ROOT_PATH = $G/static
			APP_DATA_PATH = $G/data

			[database]
			DB_TYPE = sqlite3
			PATH = $G/data/gitea.db
			SQLITE_JOURNAL_MODE = WAL

			[repository]
			ROOT = $G/repos

			[security]
			INSTALL_LOCK = true
			SECRET_KEY = $secret_key
			INTERNAL_TOKEN = $internal_token

			[oauth2]
			JWT_SECRET = $jwt_secret

			[service]
			DISABLE_REGISTRATION = true
			DEFAULT_KEEP_EMAIL_PRIVATE = true

			[mailer]
			ENABLED = false

			[session]
			PROVIDER = memory

			[cache]
			ADAPTER = memory

			[log]
			MODE = console
			LEVEL = Info
			ROOT_PATH = $G/log

			[cron.update_checker]
			ENABLED = false
		EOF
		chown "$GITEA_USER:$GITEA_USER" "$G/app.ini.tmp"
		mv "$G/app.ini.tmp" "$G/app.ini"
	)
}

# One S3 server: the access key ID is fixed (the dev stack names it), the secret key is made once and kept in
# $DIR/s3/<name>/secret-key (0600), which the dev stack reads through secretAccessKeyPath. Credentials go
# through the environment, never the command line.
start_s3() {
	local name=$1 d="$DIR/s3/${1#s3-}"
	install -d -m 0700 "$d" "$d/buckets"
	[ -s "$d/secret-key" ] || (umask 077 && openssl rand -hex 20 >"$d/secret-key")
	printf 'hearth-sandbox-%s\n' "${1#s3-}" >"$d/access-key"
	(
		export ROOT_ACCESS_KEY_ID="hearth-sandbox-${1#s3-}"
		ROOT_SECRET_ACCESS_KEY=$(<"$d/secret-key")
		export ROOT_SECRET_ACCESS_KEY
		start_bg "$name" "$BIN/versitygw" --port "127.0.0.1:$(s3_port "$name")" posix "$d/buckets"
	)
}

start_gitea() {
	port_free "$GITEA_PORT" gitea
	gitea_prepare
	start_bg gitea setpriv --reuid="$GITEA_USER" --regid="$GITEA_USER" --init-groups -- \
		env -i HOME="$G/home" USER="$GITEA_USER" PATH=/usr/local/bin:/usr/bin:/bin GITEA_WORK_DIR="$G" \
		GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true \
		"$G/gitea" web --config "$G/app.ini" --work-path "$G"
}

gitea_token_ok() {
	[ -s "$G/token" ] || return 1
	printf 'header = "Authorization: token %s"\n' "$(<"$G/token")" |
		curl -fsS --max-time 3 -o /dev/null -K - "http://127.0.0.1:$GITEA_PORT/api/v1/user"
}

# The admin user (random password, kept 0600, never printed or put on a command line) and its token.
gitea_admin() {
	if ! gitea_cli admin user list --admin 2>/dev/null | awk 'NR > 1 { print $2 }' | grep -qx "$GITEA_ADMIN"; then
		local out pw
		out=$(gitea_cli admin user create --username "$GITEA_ADMIN" --email "$GITEA_ADMIN@hearth.test" --admin \
			--random-password --random-password-length 32 --must-change-password=false 2>>"$DIR/logs/gitea-cli.log")
		pw=$(printf '%s\n' "$out" | sed -n "s/^generated random password is '\(.*\)'\$/\1/p" | tail -n 1)
		[ -n "$pw" ] || die "gitea admin user create: no generated password in its output; see $DIR/logs/gitea-cli.log"
		(
			umask 077
			printf '%s' "$pw" >"$G/admin-password"
		)
		rm -f "$G/token"
	fi
	if ! gitea_token_ok; then
		local tok
		tok=$(gitea_cli admin user generate-access-token --username "$GITEA_ADMIN" \
			--token-name "hearth-sandbox-$(date +%s)" --scopes all --raw 2>>"$DIR/logs/gitea-cli.log" | tail -n 1)
		[[ $tok =~ ^[0-9a-f]{40}$ ]] || die "gitea admin user generate-access-token: no token in its output; see $DIR/logs/gitea-cli.log"
		(
			umask 077
			printf '%s' "$tok" >"$G/token.tmp"
			mv "$G/token.tmp" "$G/token"
		)
		gitea_token_ok || die "gitea: the new token is refused by GET /api/v1/user"
	fi
	printf 'http://127.0.0.1:%s' "$GITEA_PORT" >"$G/url"
}

# --- simulated metal nodes -------------------------------------------------------------------------------

set_opaque() {
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 -c 'import os, sys
for p in sys.argv[1:]: os.setxattr(p, "trusted.overlay.opaque", b"y")' "$@"
	else
		local p
		for p in "$@"; do setfattr -n trusted.overlay.opaque -v y "$p"; done
	fi
}

ensure_ssh_keys() {
	install -d -m 0700 "$DIR/ssh"
	[ -s "$DIR/ssh/id_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C "hearth-sandbox-operator" -f "$DIR/ssh/id_ed25519"
	local name kh=""
	for name in "${NODES[@]}"; do
		local nd=$DIR/nodes/$name
		install -d -m 0700 "$nd"
		[ -s "$nd/ssh_host_ed25519_key" ] ||
			ssh-keygen -q -t ed25519 -N '' -C "$name.hearth-sandbox" -f "$nd/ssh_host_ed25519_key"
		kh+="$(node_addr "$name") $(awk '{ print $1 " " $2 }' "$nd/ssh_host_ed25519_key.pub")"$'\n'
	done
	printf '%s' "$kh" >"$DIR/ssh/known_hosts"
}

# The bridge's alias names the sandbox directory that owns the network (the names are global).
net_owner() { { ip -o link show "$BRIDGE" 2>/dev/null || :; } | sed -n 's/.* alias hearth-sandbox://p'; }

# True when no process runs in any of the sandbox's node namespaces.
net_abandoned() {
	local ns
	for ns in $(ip netns list | awk '$1 ~ /^hearth-sb-node-/ { print $1 }'); do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || return 1
	done
	return 0
}

net_up() {
	local other owner
	owner=$(net_owner)
	if [ -n "$owner" ] && [ "$owner" != "$DIR" ] && net_abandoned; then
		net_down
		owner=
	fi
	[ -z "$owner" ] || [ "$owner" = "$DIR" ] ||
		die "the sandbox network ($BRIDGE, hearth-sb-node-*) belongs to the sandbox in $owner; take that one down first"
	# The lab network is shared with test:metal (scripts/lab-network.ts): refuse to start over it.
	other=$(cd "$REPO" && node -r ./runtime/swc-register.js scripts/lab-network.ts check sandbox "$DIR" 2>&1) ||
		die "$other"
	ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
	ip link set "$BRIDGE" alias "hearth-sandbox:$DIR"
	ip -o -4 addr show dev "$BRIDGE" | grep -q " $BRIDGE_ADDR/24 " ||
		ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
	ip link set "$BRIDGE" up
}

node_net() {
	local name=$1 n=${1#node-} ns=hearth-sb-$1 host_if=hearth-sb-n${1#node-}
	ip netns list | awk '{ print $1 }' | grep -qx "$ns" || ip netns add "$ns"
	if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
		ip link del "$host_if" 2>/dev/null || :
		ip link add "$host_if" type veth peer name eth0 netns "$ns"
	fi
	ip -n "$ns" link set eth0 address "$(node_mac "$name")"
	ip -n "$ns" -o -4 addr show dev eth0 | grep -q " $(node_addr "$name")/24 " ||
		ip -n "$ns" addr add "$(node_addr "$name")/24" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip link set "$host_if" master "$BRIDGE" up
	ip -n "$ns" route replace default via "$BRIDGE_ADDR" dev eth0
	: "$n"
}

node_stop() {
	local name=$1 ns=hearth-sb-$1 p pids=()
	p=$(pid_of "$name") && pids+=("$p")
	stop_pids "${pids[@]}"
	if ip netns list | awk '{ print $1 }' | grep -qx "$ns"; then
		# shellcheck disable=SC2046 # one pid per word
		kill -KILL $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null || :
	fi
}

start_node() {
	local name=$1 nd=$DIR/nodes/$1
	node_stop "$name"
	node_net "$name"
	install -d -m 0755 "$nd/upper" "$nd/work" "$nd/root"
	# Opaque directories in the upper layer hide the host's homes and the sandbox directory (with its keys)
	# from the node, which starts with empty /root and /home instead.
	install -d -m 0700 "$nd/upper/root"
	install -d -m 0755 "$nd/upper/home" "$nd/upper$DIR"
	set_opaque "$nd/upper/root" "$nd/upper/home" "$nd/upper$DIR"
	start_bg "$name" ip netns exec "hearth-sb-$name" \
		unshare --mount --uts --ipc --pid --fork --kill-child --propagation private -- \
		bash "$SELF" _node-init "$name" "$DIR"
}

# The stand-ins a node's root file system gets for the commands that would otherwise act on the host's
# kernel or need systemd. One multi-call script; each name is a symlink to it.
standin_script() {
	cat <<-'EOF'
		#!/bin/sh
		# Hearth sandbox stand-in (installed by scripts/sandbox.sh inside a simulated node only). It records each
		# call in /var/log/hearth-standins.log and emulates the effect inside this node, never on the host.
		set -u
		me=${0##*/}
		state=/var/lib/hearth-standins
		# A caller that is not root still gets the read-only answers; only root's calls are recorded.
		mkdir -p "$state" 2>/dev/null || :
		{ printf '%s %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$me" "$*" >>/var/log/hearth-standins.log; } 2>/dev/null || :
		zone() { if [ -s /etc/timezone ]; then head -n 1 /etc/timezone; else echo Etc/UTC; fi; }
		trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }
		case $me in
		hostnamectl)
			cmd=${1:-status}
			[ $# -gt 0 ] && shift
			name=""
			for a in "$@"; do case $a in -*) ;; *) name=$a ;; esac; done
			case $cmd in
			set-hostname | hostname)
				if [ -n "$name" ]; then
					hostname "$name" && printf '%s\n' "$name" >/etc/hostname
				else
					hostname
				fi
				;;
			status) printf ' Static hostname: %s\n        Hostname: %s\n' "$(cat /etc/hostname)" "$(hostname)" ;;
			*) echo "hostnamectl (Hearth sandbox stand-in): '$cmd' recorded, not emulated" >&2 ;;
			esac
			;;
		timedatectl)
			cmd=${1:-status}
			[ $# -gt 0 ] && shift
			case $cmd in
			show)
				prop="" value=no
				while [ $# -gt 0 ]; do
					case $1 in
					-p | --property) prop=${2:-} && [ $# -gt 1 ] && shift ;;
					--property=*) prop=${1#*=} ;;
					-p*) prop=${1#-p} ;;
					--value) value=yes ;;
					esac
					shift
				done
				case $prop in
				Timezone) if [ $value = yes ]; then zone; else echo "Timezone=$(zone)"; fi ;;
				"") printf 'Timezone=%s\nLocalRTC=no\nCanNTP=no\nNTP=no\nNTPSynchronized=yes\n' "$(zone)" ;;
				*) if [ $value = no ]; then echo "$prop="; fi ;;
				esac
				;;
			set-timezone)
				tz=${1:-}
				if [ -z "$tz" ] || { [ -d /usr/share/zoneinfo ] && [ ! -f "/usr/share/zoneinfo/$tz" ]; }; then
					echo "Failed to set time zone: Invalid or unknown time zone" >&2
					exit 1
				fi
				printf '%s\n' "$tz" >/etc/timezone
				if [ -f "/usr/share/zoneinfo/$tz" ]; then ln -sfn "/usr/share/zoneinfo/$tz" /etc/localtime; fi
				;;
			status) printf '                Time zone: %s\n' "$(zone)" ;;
			*) echo "timedatectl (Hearth sandbox stand-in): '$cmd' recorded, not emulated" >&2 ;;
			esac
			;;
		modprobe)
			remove=no all=no mods=""
			for a in "$@"; do
				case $a in
				-r | --remove) remove=yes ;;
				-a | --all) all=yes ;;
				-*) ;;
				*) if [ $all = yes ] || [ -z "$mods" ]; then mods="$mods $a"; fi ;;
				esac
			done
			touch "$state/modules"
			for m in $mods; do
				grep -vx "$m" "$state/modules" >"$state/modules.new" || :
				if [ $remove = no ]; then echo "$m" >>"$state/modules.new"; fi
				mv "$state/modules.new" "$state/modules"
			done
			;;
		sysctl)
			quiet=no values=no load="" rc=0
			touch "$state/sysctl" 2>/dev/null || :
			set_kv() {
				k=$(trim "$1" | tr / .)
				k=${k#-}
				v=$(trim "$2")
				grep -v "^$k = " "$state/sysctl" >"$state/sysctl.new" || :
				printf '%s = %s\n' "$k" "$v" >>"$state/sysctl.new"
				mv "$state/sysctl.new" "$state/sysctl"
				if [ $quiet = no ]; then printf '%s = %s\n' "$k" "$v"; fi
			}
			get_kv() {
				k=$(printf '%s' "$1" | tr / .)
				v=$(sed -n "s|^$k = ||p" "$state/sysctl" 2>/dev/null | tail -n 1)
				if [ -z "$v" ]; then
					f=/proc/sys/$(printf '%s' "$k" | tr . /)
					if [ -r "$f" ]; then v=$(cat "$f"); else
						echo "sysctl: cannot stat $f: No such file or directory" >&2
						return 1
					fi
				fi
				if [ $values = yes ]; then echo "$v"; else echo "$k = $v"; fi
			}
			load_file() {
				if [ ! -r "$1" ]; then
					echo "sysctl: cannot open \"$1\": No such file or directory" >&2
					return 1
				fi
				while IFS= read -r line || [ -n "$line" ]; do
					line=$(trim "$line")
					case $line in "" | "#"* | ";"*) continue ;; *=*) set_kv "${line%%=*}" "${line#*=}" ;; esac
				done <"$1"
			}
			while [ $# -gt 0 ]; do
				case $1 in
				-q | --quiet) quiet=yes ;;
				-n | --values) values=yes ;;
				-p | --load)
					if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then
						load="$load $2"
						shift
					else load="$load /etc/sysctl.conf"; fi
					;;
				--load=*) load="$load ${1#*=}" ;;
				-p*) load="$load ${1#-p}" ;;
				--system) for f in /etc/sysctl.d/*.conf /etc/sysctl.conf; do [ -r "$f" ] && load="$load $f"; done ;;
				-a | -A | -X | --all) cat "$state/sysctl" ;;
				-*) ;;
				*=*) set_kv "${1%%=*}" "${1#*=}" ;;
				*) get_kv "$1" || rc=1 ;;
				esac
				shift
			done
			for f in $load; do load_file "$f" || rc=1; done
			exit $rc
			;;
		swapoff | swapon) echo "$me $*" >>"$state/swap" ;;
		*)
			echo "$me: not a Hearth sandbox stand-in" >&2
			exit 1
			;;
		esac
	EOF
}

# Inside the node's mount namespace, before pivot_root: writes land in the node's upper directory.
node_setup_root() {
	local name=$1 r=$2 nd=$DIR/nodes/$1 e=$2/etc
	if [ ! -e "$e/hearth-node" ]; then
		printf '%s\n' "$name" >"$e/hostname"
		printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$name" >"$e/hosts"
		printf 'Etc/UTC\n' >"$e/timezone"
		ln -sfn /usr/share/zoneinfo/Etc/UTC "$e/localtime"
		printf 'Hearth sandbox simulated node %s (scripts/sandbox.sh)\n' "$name" >"$e/hearth-node"
	fi
	hostname "$(head -n 1 "$e/hostname")"
	chroot "$r" /bin/sh -c 'id hearth >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --comment "Hearth sandbox login" hearth
usermod -p "*" hearth'
	local home
	for home in "$r/home/hearth" "$r/root"; do
		install -d -m 0700 "$home/.ssh"
		install -m 0600 "$DIR/ssh/id_ed25519.pub" "$home/.ssh/authorized_keys"
	done
	chroot "$r" chown -R hearth:hearth /home/hearth/.ssh
	install -d -m 0750 "$e/sudoers.d"
	printf 'hearth ALL=(ALL:ALL) NOPASSWD: ALL\n' >"$e/sudoers.d/90-hearth-sandbox"
	chmod 0440 "$e/sudoers.d/90-hearth-sandbox"
	install -m 0600 "$nd/ssh_host_ed25519_key" "$e/ssh/ssh_host_ed25519_key"
	install -m 0644 "$nd/ssh_host_ed25519_key.pub" "$e/ssh/ssh_host_ed25519_key.pub"
	cat >"$e/ssh/hearth-sshd_config" <<-EOF
		# Written by scripts/sandbox.sh: the simulated node $name.
		ListenAddress $(node_addr "$name"):22
		HostKey /etc/ssh/ssh_host_ed25519_key
		PidFile /run/sshd.pid
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		AuthorizedKeysFile .ssh/authorized_keys
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		UsePAM no
		X11Forwarding no
		PrintMotd no
		AcceptEnv LANG LC_*
		SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		Subsystem sftp /usr/lib/openssh/sftp-server
	EOF
	install -d -m 0755 "$r/usr/local/sbin" "$r/var/log"
	standin_script >"$r/usr/local/sbin/hearth-standin"
	chmod 0755 "$r/usr/local/sbin/hearth-standin"
	local c
	for c in hostnamectl timedatectl modprobe sysctl swapoff swapon; do
		ln -sfn hearth-standin "$r/usr/local/sbin/$c"
	done
	# The same stand-ins at the real paths, for callers that do not search PATH.
	for c in /usr/bin/hostnamectl /usr/bin/timedatectl /usr/sbin/modprobe /usr/sbin/sysctl /usr/sbin/swapoff /usr/sbin/swapon; do
		ln -sfn /usr/local/sbin/hearth-standin "$r$c"
	done
	touch "$r/var/log/hearth-standins.log"
}

# PID 1 of a node's PID namespace, already in its own network, mount, UTS and IPC namespaces.
node_init() {
	local name=$1 nd=$DIR/nodes/$1 r=$DIR/nodes/$1/root
	mount -t overlay "hearth-$name" -o "lowerdir=/,upperdir=$nd/upper,workdir=$nd/work" "$r"
	mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
	local p
	for p in sys sysrq-trigger; do
		[ -e "$r/proc/$p" ] || continue
		mount --bind "$r/proc/$p" "$r/proc/$p"
		mount -o remount,bind,ro "$r/proc/$p"
	done
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
	mount -t tmpfs -o nosuid,mode=0755,size=8m tmpfs "$r/dev"
	mknod -m 0666 "$r/dev/null" c 1 3
	mknod -m 0666 "$r/dev/zero" c 1 5
	mknod -m 0666 "$r/dev/full" c 1 7
	mknod -m 0666 "$r/dev/random" c 1 8
	mknod -m 0666 "$r/dev/urandom" c 1 9
	mknod -m 0666 "$r/dev/tty" c 5 0
	mkdir -m 0755 "$r/dev/pts"
	mkdir -m 1777 "$r/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$r/dev/pts"
	ln -s pts/ptmx "$r/dev/ptmx"
	ln -s /proc/self/fd "$r/dev/fd"
	ln -s /proc/self/fd/0 "$r/dev/stdin"
	ln -s /proc/self/fd/1 "$r/dev/stdout"
	ln -s /proc/self/fd/2 "$r/dev/stderr"
	mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m tmpfs "$r/dev/shm"
	mount -t tmpfs -o nosuid,nodev,mode=0755,size=64m tmpfs "$r/run"
	mkdir -m 0755 "$r/run/sshd"
	mount -t tmpfs -o nosuid,nodev,mode=1777,size=512m tmpfs "$r/tmp"
	node_setup_root "$name" "$r"
	cd "$r"
	mkdir -p .hearth-oldroot
	pivot_root . .hearth-oldroot
	umount -l /.hearth-oldroot
	rmdir /.hearth-oldroot
	exec setpriv --bounding-set="$DROP_CAPS" -- /usr/sbin/sshd -D -e -f /etc/ssh/hearth-sshd_config
}

node_ssh_check() {
	local name=$1 out
	out=$(ssh -F /dev/null -i "$DIR/ssh/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o UserKnownHostsFile="$DIR/ssh/known_hosts" -o StrictHostKeyChecking=yes -o ConnectTimeout=3 \
		-o LogLevel=ERROR "hearth@$(node_addr "$name")" 'sudo -n id -u' 2>/dev/null) || return 1
	[ "$out" = 0 ]
}

# --- state files -----------------------------------------------------------------------------------------

write_nodes_json() {
	local name first=1
	{
		printf '[\n'
		for name in "${NODES[@]}"; do
			[ "$first" = 1 ] || printf ',\n'
			first=0
			printf '  {"name": "%s", "address": "%s", "mac": "%s", "user": "hearth", "port": 22, "hostKey": "%s"}' \
				"$name" "$(node_addr "$name")" "$(node_mac "$name")" \
				"$(awk '{ print $1 " " $2 }' "$DIR/nodes/$name/ssh_host_ed25519_key.pub")"
		done
		printf '\n]\n'
	} >"$DIR/nodes.json.tmp"
	mv "$DIR/nodes.json.tmp" "$DIR/nodes.json"
}

# status: one line per part; also refreshes status.json. Returns 0 when all are up, 3 when not.
status() {
	local all=0 part p state lines=() json=() ready
	for part in "${PARTS[@]}" "${NODES[@]}"; do
		p=$(pid_of "$part" || :)
		if [ -n "$p" ] && part_ok "$part"; then state=running; else state=stopped && all=3; fi
		# A node's pid file names unshare; report its child, the node's PID 1 (sshd).
		case $part in node-*) [ -z "$p" ] || p=$(pgrep -P "$p" | head -n 1 || printf '%s' "$p") ;; esac
		local label=$part
		case $part in node-*) label="ssh $part" ;; esac
		if [ "$state" = running ]; then
			lines+=("$(printf '%-24s running  %-22s pid %-8s rss %s' "$label" "$(part_port "$part")" "$p" "$(rss_of "$p")")")
		else
			lines+=("$(printf '%-24s stopped  %s' "$label" "$(part_port "$part")")")
		fi
		json+=("$(printf '"%s": {"state": "%s", "address": "%s", "pid": %s}' "$part" "$state" "$(part_port "$part")" "${p:-null}")")
		if [ "$part" = kwok ]; then
			ready=0
			[ -s "$DIR/kubeconfig" ] && [ -x "$KUBECTL" ] && pid_of kube-apiserver >/dev/null && ready=$(nodes_ready)
			if [ "$ready" = "${#MEMBERS[@]}" ]; then state=running; else state=stopped && all=3; fi
			lines+=("$(printf '%-24s %-8s %s/%s Ready (%s)' "kubernetes nodes" "$state" "$ready" "${#MEMBERS[@]}" "${MEMBERS[*]}")")
			json+=("$(printf '"kubernetes-nodes": {"state": "%s", "ready": %s}' "$state" "$ready")")
		fi
	done
	printf '%s\n' "${lines[@]}"
	if [ -d "$DIR/run" ] && [ -w "$DIR" ]; then
		local IFS=,
		printf '{"dir": "%s", "kubeconfig": "%s/kubeconfig", "giteaUrl": "http://127.0.0.1:%s", "nodes": "%s/nodes.json", "up": %s, "parts": {%s}}\n' \
			"$DIR" "$DIR" "$GITEA_PORT" "$DIR" "$([ "$all" = 0 ] && echo true || echo false)" "${json[*]}" >"$DIR/status.json"
	fi
	return "$all"
}

# --- commands --------------------------------------------------------------------------------------------

all_running() {
	local part
	for part in "${PARTS[@]}" "${NODES[@]}"; do running "$part" || return 1; done
	[ "$(nodes_ready)" = "${#MEMBERS[@]}" ]
}

cmd_up() {
	require_root up
	require_binaries
	[ "$DIR" != / ] || die "HEARTH_SANDBOX_DIR must not be /"
	if [ -d "$DIR" ] && [ ! -e "$DIR/.hearth-sandbox" ] && [ -n "$(ls -A "$DIR")" ]; then
		die "$DIR exists and is not a sandbox directory; set HEARTH_SANDBOX_DIR to an empty or new directory"
	fi
	install -d -m 0755 "$DIR"
	install -d -m 0755 "$DIR/run" "$DIR/logs" "$DIR/nodes"
	touch "$DIR/.hearth-sandbox"
	# Who this sandbox is: made once per state directory, so a stack can tell a new sandbox from the one its
	# state describes (down removes the directory; --keep-state keeps both).
	[ -s "$DIR/id" ] || cat /proc/sys/kernel/random/uuid >"$DIR/id"
	if all_running; then
		say "already up"
		status
		return 0
	fi
	require_tools
	preflight
	local t0=$EPOCHREALTIME
	local -A started=() took=()
	ensure_pki
	ensure_kubeconfigs
	ensure_ssh_keys
	net_up
	took[certificates]=$(since "$t0")

	# Independent parts start together: etcd, Gitea, the SSH nodes.
	started[etcd]=$EPOCHREALTIME
	running etcd || start_etcd
	started[gitea]=$EPOCHREALTIME
	running gitea || start_gitea
	# The dev stack's alert route token (a webhook bearer token nobody listens for): made once, 0600.
	install -d -m 0700 "$DIR/notify"
	[ -s "$DIR/notify/secret" ] || (umask 077 && openssl rand -hex 24 >"$DIR/notify/secret")
	started[s3]=$EPOCHREALTIME
	running s3-nas || start_s3 s3-nas
	running s3-offsite || start_s3 s3-offsite
	started[ssh]=$EPOCHREALTIME
	local name
	for name in "${NODES[@]}"; do running "$name" || start_node "$name"; done

	wait_for etcd etcd 30 etcd_ok
	took[etcd]=$(since "${started[etcd]}")
	started[apiserver]=$EPOCHREALTIME
	running kube-apiserver || start_apiserver
	wait_for kube-apiserver kube-apiserver 60 apiserver_ok
	took[kube-apiserver]=$(since "${started[apiserver]}")
	started[rest]=$EPOCHREALTIME
	running kube-controller-manager || start_controller_manager
	running kube-scheduler || start_scheduler
	running kwok || start_kwok
	apply_k8s_nodes
	# The default StorageClass that kwok's volume stages provision and bind.
	kubectl_ apply -f "$SHARE/kwok/storage/storage-class.yaml" >/dev/null
	wait_for kube-controller-manager kube-controller-manager 30 https_health_ok "$CM_PORT"
	took[kube-controller-manager]=$(since "${started[rest]}")
	wait_for kube-scheduler kube-scheduler 30 https_health_ok "$SCHED_PORT"
	took[kube-scheduler]=$(since "${started[rest]}")
	wait_for kwok kwok 30 kwok_ok
	took[kwok]=$(since "${started[rest]}")

	wait_for gitea gitea 60 gitea_ok
	took[gitea]=$(since "${started[gitea]}")
	gitea_admin
	took[gitea-admin]=$(since "${started[gitea]}")

	wait_for "S3 nas" s3-nas 30 s3_ok s3-nas
	wait_for "S3 offsite" s3-offsite 30 s3_ok s3-offsite
	took[s3]=$(since "${started[s3]}")

	for name in "${NODES[@]}"; do wait_for "ssh $name" "$name" 30 node_ssh_check "$name"; done
	took[ssh-nodes]=$(since "${started[ssh]}")
	write_nodes_json

	real_nodes_up
	wait_for "kubernetes nodes Ready" kwok 90 test_nodes_ready
	took[nodes-ready]=$(since "${started[rest]}")
	wait_for "default service account" kube-controller-manager 60 default_sa_ok
	took[default-sa]=$(since "${started[rest]}")
	took[total]=$(since "$t0")

	{
		local k first=1
		printf '{'
		for k in certificates etcd kube-apiserver kube-controller-manager kube-scheduler kwok nodes-ready default-sa \
			gitea gitea-admin s3 ssh-nodes total; do
			[ "$first" = 1 ] || printf ', '
			first=0
			printf '"%s": %s' "$k" "${took[$k]}"
		done
		printf '}\n'
	} >"$DIR/timings.json"

	status || :
	cat <<-EOF

		Hearth sandbox is up in ${took[total]} s. Ready after their start: etcd ${took[etcd]} s, kube-apiserver ${took[kube-apiserver]} s;
		after the apiserver: nodes Ready ${took[nodes-ready]} s, default service account ${took[default-sa]} s;
		Gitea ${took[gitea]} s (admin and token ${took[gitea-admin]} s); SSH nodes ${took[ssh-nodes]} s. Seconds per part: $DIR/timings.json

		  kubeconfig   $DIR/kubeconfig        (KUBECONFIG=$DIR/kubeconfig $KUBECTL get nodes)
		  Gitea        http://127.0.0.1:$GITEA_PORT  admin $GITEA_ADMIN, token in $G/token, password in $G/admin-password
		  S3 targets   nas http://127.0.0.1:$S3_NAS_PORT, offsite http://127.0.0.1:$S3_OFFSITE_PORT  (keys in $DIR/s3/<name>/)
		  SSH nodes    $(for n in "${NODES[@]}"; do printf '%s %s  ' "$n" "$(node_addr "$n")"; done)(user hearth, $DIR/nodes.json)
		               ssh -i $DIR/ssh/id_ed25519 -o UserKnownHostsFile=$DIR/ssh/known_hosts hearth@$(node_addr node-1)
		  tear down    npm run sandbox -- down   (--keep-state keeps $DIR)
	EOF
}

test_nodes_ready() { [ "$(nodes_ready)" = "${#MEMBERS[@]}" ]; }

# Mount points under the sandbox directory in this mount namespace, deepest first.
mounts_under_dir() {
	awk -v d="$DIR" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print m }' /proc/self/mountinfo |
		sort -r
}

net_down() {
	local ns link
	# Every node's namespace and veth, not only this run's HEARTH_SANDBOX_NODES: a sandbox brought up with more
	# machines (the scale bench) and taken down with fewer would leave the rest behind.
	for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^hearth-sb-node-[0-9]+$/ { print $1 }'); do
		# shellcheck disable=SC2046 # one pid per word
		kill -KILL $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null || :
		ip netns del "$ns" 2>/dev/null || :
	done
	for link in $(ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^hearth-sb-n[0-9]+(@|$)/ { sub(/@.*/, "", $2); print $2 }'); do
		ip link del "$link" 2>/dev/null || :
	done
	ip link del "$BRIDGE" 2>/dev/null || :
}

cmd_down() {
	local keep=no
	[ "${1:-}" = --keep-state ] && keep=yes
	require_root down
	local t0=$EPOCHREALTIME pids=() part p etcd_pid=""
	# The real nodes first: their pods and cgroups, the route to them, the kernel settings the kubelet changed.
	real_nodes_down
	for part in "${PARTS[@]}" "${NODES[@]}"; do
		[ "$part" = etcd ] && continue
		p=$(pid_of "$part") && pids+=("$p")
	done
	# etcd goes last: the apiserver's shutdown takes ~10 s more when etcd is already gone.
	etcd_pid=$(pid_of etcd || :)
	# Fall back to processes whose command line names the sandbox directory (lost pid files).
	while read -r p; do
		[ -n "$p" ] && [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && [ "$p" != "$etcd_pid" ] && pids+=("$p")
	done < <(pgrep -f -- "$DIR/" || :)
	stop_pids "${pids[@]}"
	if [ -n "$etcd_pid" ]; then stop_pids "$etcd_pid"; fi
	local owner
	owner=$(net_owner)
	if [ -n "$owner" ] && [ "$owner" != "$DIR" ]; then
		say "leaving the network ($BRIDGE, hearth-sb-node-*) alone: it belongs to the sandbox in $owner"
	else
		net_down
	fi
	local m
	while read -r m; do
		if [ -n "$m" ]; then umount -l "$m" 2>/dev/null || :; fi
	done < <(mounts_under_dir)
	rm -f "$DIR"/run/*.pid 2>/dev/null || :
	if [ "$keep" = no ] && [ -d "$DIR" ]; then
		if [ -n "$(mounts_under_dir)" ]; then
			die "not removing $DIR: something is still mounted under it ($(mounts_under_dir | head -n 1))"
		elif [ -e "$DIR/.hearth-sandbox" ]; then
			rm -rf --one-file-system "$DIR"
		else
			say "not removing $DIR: it has no .hearth-sandbox marker"
		fi
	fi
	say "down in $(since "$t0") s$([ "$keep" = yes ] && printf ' (state kept in %s)' "$DIR")"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down "${2:-}" ;;
status)
	require_root status
	[ -d "$DIR" ] || {
		say "not up ($DIR does not exist)"
		exit 3
	}
	status
	;;
_node-init)
	DIR=$3
	node_init "$2"
	;;
*)
	printf 'usage: %s up | down [--keep-state] | status\n' "${0##*/}" >&2
	exit 2
	;;
esac
