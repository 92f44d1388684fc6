package testservers

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// process is a server process that Postgres and Redis start, stop and
// restart alike: in its own temporary directory, with its output in a log
// file there. The zero value is a server given by the environment, which
// is neither started nor stopped.
type process struct {
	name     string    // for messages: "postgres", "redis-server"
	env      string    // the variable that names a server instead
	dir      string    // the temporary directory; "" for a server given by env
	log      string    // the log file's name in dir
	stopSig  os.Signal // asks the server to stop cleanly
	command  func() *exec.Cmd
	ready    func() error  // nil once the server answers
	interval time.Duration // between readiness checks

	cmd    *exec.Cmd
	exited chan struct{}
}

// external reports whether the server was given by the environment.
func (p *process) external() bool { return p.dir == "" }

// start runs the server and waits until it is ready, for at most limit.
func (p *process) start(limit time.Duration) error {
	log, err := os.OpenFile(filepath.Join(p.dir, p.log), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testservers: %w", err)
	}
	defer log.Close()
	cmd := p.command()
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testservers: starting %s: %w", p.name, err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) {
		cmd.Wait()
		close(exited)
	}(p.exited)
	if err := p.waitReady(limit); err != nil {
		p.kill()
		logText, _ := os.ReadFile(filepath.Join(p.dir, p.log))
		return fmt.Errorf("%w\n%s", err, logText)
	}
	return nil
}

// waitReady checks readiness until the server answers, exits or the time
// is up.
func (p *process) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := p.ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("testservers: %s exited: %w", p.name, err)
		case <-time.After(p.interval):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("testservers: %s did not start within %v: %w", p.name, limit, err)
		}
	}
}

// kill asks the server to stop, and kills it if it takes too long.
func (p *process) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(p.stopSig)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd = nil
}

// Restart stops the server, which ends every connection with an error, and
// starts it again on the same port with the same data. It fails for a
// server given by the environment.
func (p *process) Restart() error {
	if err := p.Down(); err != nil {
		return err
	}
	return p.Up()
}

// Down stops the server, keeping its data, so that tests can see what a
// client does while the server is away; Up starts it again. It fails for a
// server given by the environment.
func (p *process) Down() error {
	if p.external() {
		return errors.New("testservers: cannot stop a server given by " + p.env)
	}
	p.kill()
	return nil
}

// Up starts a server that Down stopped, on the same port with the same
// data.
func (p *process) Up() error {
	if p.external() {
		return errors.New("testservers: cannot start a server given by " + p.env)
	}
	return p.start(30 * time.Second)
}

// Stop stops a server this package started and removes its files. It does
// nothing for a server given by the environment.
func (p *process) Stop() {
	if p.external() {
		return
	}
	p.kill()
	os.RemoveAll(p.dir)
}

// startOnFreePort starts the server on a free port, trying a few: another
// test binary may take the port between freePort and the server binding
// it. setPort tells the server's owner which port to use.
func (p *process) startOnFreePort(setPort func(int)) error {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return err
		}
		setPort(port)
		if err = p.start(30 * time.Second); err == nil {
			return nil
		}
	}
	return err
}
