package testservers

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Redis is a running Redis server: one started by StartRedis, or the one
// CHATFLOW_REDIS_URL names. Restart and Stop must not run at the same time
// as each other.
type Redis struct {
	// URL connects to the server, as go-redis's ParseURL reads it.
	URL string

	external bool
	bin      string
	dir      string
	port     int
	cmd      *exec.Cmd
	exited   chan struct{}
}

// StartRedis starts a throwaway redis-server, or returns the server
// CHATFLOW_REDIS_URL names. The error matches ErrUnavailable when Redis is
// not installed.
func StartRedis() (*Redis, error) {
	if url := os.Getenv(RedisURLEnv); url != "" {
		return &Redis{URL: url, external: true}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w: redis-server was not found (install Debian's redis-server package, or set %s)",
			ErrUnavailable, RedisURLEnv)
	}
	r := &Redis{bin: bin}
	if r.dir, err = os.MkdirTemp("", "chatflow-redis-"); err != nil {
		return nil, fmt.Errorf("testservers: %w", err)
	}
	for range 3 {
		if r.port, err = freePort(); err != nil {
			break
		}
		if err = r.start(); err == nil {
			return r, nil
		}
	}
	os.RemoveAll(r.dir)
	return nil, err
}

// start runs redis-server on r.port and waits until it answers PING.
func (r *Redis) start() error {
	log, err := os.OpenFile(filepath.Join(r.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testservers: %w", err)
	}
	defer log.Close()
	// The append-only file keeps the data across Restart, as a production
	// server that holds sessions must.
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--protected-mode", "no")
	cmd.Dir = r.dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testservers: starting redis-server: %w", err)
	}
	r.cmd, r.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) {
		cmd.Wait()
		close(exited)
	}(r.exited)
	r.URL = "redis://" + addr(r.port) + "/0"
	if err := r.waitReady(20 * time.Second); err != nil {
		r.kill()
		logText, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
		return fmt.Errorf("%w\n%s", err, logText)
	}
	return nil
}

// waitReady sends PING until the server answers, exits or the time is up.
func (r *Redis) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := ping(addr(r.port))
		if err == nil {
			return nil
		}
		select {
		case <-r.exited:
			return fmt.Errorf("testservers: redis-server exited: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("testservers: redis-server did not start within %v: %w", limit, err)
		}
	}
}

// ping sends an inline PING and expects +PONG; it needs no client library.
func ping(address string) error {
	c, err := net.DialTimeout("tcp", address, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return fmt.Errorf("redis answered %q to PING", buf[:n])
	}
	return nil
}

// kill stops the server: SIGTERM, which makes Redis write its append-only
// file and exit, then SIGKILL if it takes too long.
func (r *Redis) kill() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(20 * time.Second):
		r.cmd.Process.Kill()
		<-r.exited
	}
	r.cmd = nil
}

// Restart stops the server, which ends every connection with an error, and
// starts it again on the same port with the same data. It fails for a
// server given by the environment.
func (r *Redis) Restart() error {
	if err := r.Down(); err != nil {
		return err
	}
	return r.Up()
}

// Down stops the server, keeping its data, so that tests can see what a
// client does while the server is away; Up starts it again. It fails for a
// server given by the environment.
func (r *Redis) Down() error {
	if r.external {
		return errors.New("testservers: cannot stop a server given by " + RedisURLEnv)
	}
	r.kill()
	return nil
}

// Up starts a server that Down stopped, on the same port with the same
// data.
func (r *Redis) Up() error {
	if r.external {
		return errors.New("testservers: cannot start a server given by " + RedisURLEnv)
	}
	return r.start()
}

// Stop stops a server StartRedis started and removes its files. It does
// nothing for a server given by CHATFLOW_REDIS_URL.
func (r *Redis) Stop() {
	if r.external {
		return
	}
	r.kill()
	os.RemoveAll(r.dir)
}
