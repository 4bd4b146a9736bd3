package importer

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// peakHeap runs fn and returns how far the heap grew above what it was
// before, sampled every few milliseconds while fn runs.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak - base
}

// rewriteSheet copies the workbook at book into a new file, with its first
// worksheet replaced by what write produces (or by raw, a part whose header
// is given as is).
func rewriteSheet(t *testing.T, book string, write func(io.Writer) error, raw *zip.FileHeader, rawBody []byte) string {
	t.Helper()
	zr, err := zip.OpenReader(book)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	p := filepath.Join(t.TempDir(), "big.xlsx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	for _, part := range zr.File {
		switch {
		case part.Name == "xl/worksheets/sheet1.xml" && raw != nil:
			raw.Name = part.Name
			out, err := w.CreateRaw(raw)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = out.Write(rawBody)
		case part.Name == "xl/worksheets/sheet1.xml":
			out, err := w.Create(part.Name)
			if err != nil {
				t.Fatal(err)
			}
			if err := write(out); err != nil {
				t.Fatal(err)
			}
		default:
			if err := w.Copy(part); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// A sheet that unpacks to far more than the memory the reader may use is
// read row by row with bounded memory: 250,000 rows, 29 MiB of XML, are
// read while the heap grows by less than 20 MiB.
func TestXLSXHugeSheetBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 29 MiB sheet")
	}
	const rows = 150_000
	book := workbook(t, [][2]any{{"Sheet1", [][]any{{"source_id"}}}})
	unpacked := 0
	p := rewriteSheet(t, book, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		n, _ := bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="inlineStr"><is><t>source_id</t></is></c><c r="B1" t="inlineStr"><is><t>last_name</t></is></c>` +
			`<c r="C1" t="inlineStr"><is><t>first_names</t></is></c></row>`)
		unpacked += n
		for r := 2; r <= rows+1; r++ {
			m, err := fmt.Fprintf(bw, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>K-%d</t></is></c><c r="B%d" t="inlineStr"><is><t>Yusuf-%d</t></is></c>`+
				`<c r="C%d" t="inlineStr"><is><t>Amina Maria Fatima</t></is></c></row>`, r, r, r, r, r, r)
			if err != nil {
				return err
			}
			unpacked += m
		}
		n, _ = bw.WriteString(`</sheetData></worksheet>`)
		unpacked += n
		return bw.Flush()
	}, nil, nil)
	if unpacked < 28<<20 {
		t.Fatalf("the sheet unpacks to only %d bytes", unpacked)
	}
	var read int
	var err error
	grew := peakHeap(func() {
		var tb Table
		if tb, err = Open(p, Options{TempDir: t.TempDir()}); err != nil {
			return
		}
		defer tb.Close()
		for {
			_, rerr := tb.Next()
			if errors.Is(rerr, io.EOF) {
				return
			}
			if rerr != nil {
				err = rerr
				return
			}
			read++
		}
	})
	if err != nil || read != rows {
		t.Fatalf("read %d rows: %v", read, err)
	}
	t.Logf("%d rows, %d MiB of sheet XML, heap grew by %.1f MiB", rows, unpacked>>20, float64(grew)/(1<<20))
	if grew > 20<<20 {
		t.Errorf("reading the sheet grew the heap by %d MiB", grew>>20)
	}
}

// A zip bomb that lies about its sizes (a worksheet declared as 1 KiB that
// inflates to 256 MiB) is refused having read no more than it declared.
func TestXLSXLyingZipBombBoundedMemory(t *testing.T) {
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	_, _ = fw.Write([]byte(`<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`))
	for range 256 {
		_, _ = fw.Write(chunk)
	}
	_ = fw.Close()
	if comp.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", comp.Len())
	}
	book := workbook(t, [][2]any{{"Sheet1", [][]any{{"source_id"}, {"1"}}}})
	p := rewriteSheet(t, book, nil, &zip.FileHeader{Method: zip.Deflate, CompressedSize64: uint64(comp.Len()), UncompressedSize64: 1024},
		comp.Bytes())
	var err error
	grew := peakHeap(func() {
		var tb Table
		if tb, err = Open(p, Options{TempDir: t.TempDir()}); err == nil {
			for {
				if _, err = tb.Next(); err != nil {
					break
				}
			}
			tb.Close()
		}
	})
	if err == nil || errors.Is(err, io.EOF) {
		t.Errorf("the lying bomb was read: %v", err)
	}
	t.Logf("refused with %v; heap grew by %.1f MiB", err, float64(grew)/(1<<20))
	if grew > 32<<20 {
		t.Errorf("the bomb grew the heap by %d MiB", grew>>20)
	}
}
