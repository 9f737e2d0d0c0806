// SPDX-License-Identifier: GPL-2.0
//
// A Go program for inetx-run --seccomp: Go makes its socket() calls
// through its own raw system calls, which no LD_PRELOAD reaches.
//
//	inetx_run_go serve ADDR FILE   serve FILE at http://ADDR/
//	inetx_run_go get URL           fetch URL, print its SHA-256 and size
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "serve" {
		file := os.Args[3]
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, file)
		})
		fmt.Fprintln(os.Stderr, http.ListenAndServe(os.Args[2], nil))
		os.Exit(1)
	}
	if len(os.Args) == 3 && os.Args[1] == "get" {
		resp, err := http.Get(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer resp.Body.Close()
		h := sha256.New()
		n, err := io.Copy(h, resp.Body)
		if err != nil || resp.StatusCode != 200 {
			fmt.Fprintln(os.Stderr, resp.Status, err)
			os.Exit(1)
		}
		fmt.Printf("%x %d\n", h.Sum(nil), n)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: inetx_run_go serve ADDR FILE | get URL")
	os.Exit(2)
}
