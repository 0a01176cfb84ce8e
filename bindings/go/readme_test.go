package microreg_test

import (
	"os"
	"strings"
	"testing"
)

// goBlocks returns README.md's ```go blocks that import importPath, without
// the import line, one line each (words separated by one space).
func goBlocks(t *testing.T, readme, importPath string) [][]string {
	t.Helper()
	text, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	var blocks [][]string
	for _, part := range strings.Split(string(text), "```go\n")[1:] {
		body := strings.SplitN(part, "```", 2)[0]
		if !strings.Contains(body, `"`+importPath+`"`) {
			continue
		}
		blocks = append(blocks, trimmedLines(body, "import "))
	}
	return blocks
}

func trimmedLines(text, skipPrefix string) []string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		// gofmt aligns trailing comments: compare words, not spacing.
		line = strings.Join(strings.Fields(line), " ")
		if line != "" && !strings.HasPrefix(line, skipPrefix) {
			lines = append(lines, line)
		}
	}
	return lines
}

// CheckReadmeBlocks fails unless every README block importing importPath
// appears, line for line, in the Go file at path (whose Example compiles and
// runs it).
func checkReadmeBlocks(t *testing.T, readme, importPath, path string) {
	blocks := goBlocks(t, readme, importPath)
	if len(blocks) == 0 {
		t.Fatalf("no go block importing %s in %s", importPath, readme)
	}
	source, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	code := "\n" + strings.Join(trimmedLines(string(source), "\x00"), "\n") + "\n"
	for _, block := range blocks {
		if !strings.Contains(code, "\n"+strings.Join(block, "\n")+"\n") {
			t.Errorf("README.md's example is not the one %s runs:\n%s", path, strings.Join(block, "\n"))
		}
	}
}

func TestReadmeIsExample(t *testing.T) {
	checkReadmeBlocks(t, "../../README.md", "github.com/microreg/microreg/bindings/go", "example_test.go")
}
