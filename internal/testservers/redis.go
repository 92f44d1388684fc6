package testservers

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Redis is a running Redis server: one started by StartRedis, or the one
// CHATFLOW_REDIS_URL names. Restart, Down, Up and Stop must not run at the
// same time as each other.
type Redis struct {
	// URL connects to the server, as go-redis's ParseURL reads it.
	URL string

	process
	bin  string
	port int
}

// StartRedis starts a throwaway redis-server, or returns the server
// CHATFLOW_REDIS_URL names. The error matches ErrUnavailable when Redis is
// not installed.
func StartRedis() (*Redis, error) {
	if url := os.Getenv(RedisURLEnv); url != "" {
		return &Redis{URL: url, process: process{env: RedisURLEnv}}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w: redis-server was not found (install Debian's redis-server package, or set %s)",
			ErrUnavailable, RedisURLEnv)
	}
	dir, err := os.MkdirTemp("", "chatflow-redis-")
	if err != nil {
		return nil, fmt.Errorf("testservers: %w", err)
	}
	r := &Redis{bin: bin}
	// SIGTERM makes Redis write its append-only file and exit.
	r.process = process{name: "redis-server", env: RedisURLEnv, dir: dir, log: "redis.log", stopSig: syscall.SIGTERM,
		command: r.serverCommand, ready: r.ready, interval: 20 * time.Millisecond}
	if err := r.startOnFreePort(func(port int) {
		r.port = port
		r.URL = "redis://" + addr(port) + "/0"
	}); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return r, nil
}

// serverCommand is the redis-server command line. The append-only file
// keeps the data across Restart, as a production server that holds
// sessions must.
func (r *Redis) serverCommand() *exec.Cmd {
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--protected-mode", "no")
	cmd.SysProcAttr = sysProcAttr()
	return cmd
}

// ready checks that the server on the port answers and is the process
// started last: another test binary's server may have taken the port
// while this one was down.
func (r *Redis) ready() error {
	pid, err := serverPID(addr(r.port))
	if err != nil {
		return err
	}
	if pid != r.cmd.Process.Pid {
		return fmt.Errorf("the server on port %d is process %d, not ours (%d)", r.port, pid, r.cmd.Process.Pid)
	}
	return nil
}

// serverPID asks the Redis server at address for its process ID with an
// inline INFO command; it needs no client library.
func serverPID(address string) (int, error) {
	c, err := net.DialTimeout("tcp", address, time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("INFO server\r\n")); err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("redis at %s did not tell its process ID", address)
}
