//go:build !windows

package main

import (
	"errors"
	"io"
)

func runService(args []string, stdout io.Writer) error {
	return errors.New("the service command is for Windows; on Linux use the systemd unit in docs/visitly-scimd.service")
}

func runningAsService() bool { return false }
