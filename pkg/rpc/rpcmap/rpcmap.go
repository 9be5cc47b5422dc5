// Package rpcmap builds the map of every RPC method of every service: its
// topic, namespace, name, call type and version (from the method
// declarations registered with pkg/rpc), which client function sends it
// and which handler serves it (from the source: calls of the descriptor's
// Invoke/Cast and its HandleCall/HandleCast registration). Nothing in the
// map is written by hand; docs/rpc-map.md is its rendering.
package rpcmap

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/novanats/novanats/pkg/rpc"
)

// Row is one RPC method.
type Row struct {
	Topic     string `json:"service"`
	Namespace string `json:"namespace"`
	Method    string `json:"method"`
	CallType  string `json:"call_type"`
	Version   string `json:"version"`
	// Descriptor is the Go name of the method's declaration (pkg.Var).
	Descriptor string `json:"descriptor"`
	// DefinedAt, Senders and Handlers are file:line relative to the root.
	DefinedAt string   `json:"defined_at"`
	Senders   []string `json:"senders"`
	Handlers  []string `json:"handlers"`
}

// use is a reference to a descriptor found in the source.
type use struct {
	funcName string // enclosing function, e.g. "(*API).LiveMigration"
	pos      string // file:line
}

type descriptorKey struct{ pkgDir, name string }

// methodID names a method as the wire does.
type methodID struct{ topic, namespace, name string }

// declaration is where a method's descriptor variable is declared.
type declaration struct {
	key descriptorKey
	at  string
}

// Build maps the methods of specs (usually rpc.Methods()) onto the Go
// source under root (the module root). Test files are included when
// withTests is true.
func Build(root string, specs []rpc.MethodSpec, withTests bool) ([]Row, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	sc := &scanner{root: absRoot, fset: token.NewFileSet(), withTests: withTests,
		defs:     map[methodID]declaration{},
		senders:  map[descriptorKey][]use{},
		handlers: map[descriptorKey][]use{},
	}
	if err := sc.scan(); err != nil {
		return nil, err
	}
	var rows []Row
	for _, s := range specs {
		d, ok := sc.defs[methodID{s.Topic, s.Namespace, s.Name}]
		if !ok {
			continue // declared outside root (or in a file not scanned)
		}
		key := d.key
		r := Row{Topic: s.Topic, Namespace: s.Namespace, Method: s.Name, CallType: s.CallType, Version: s.Version,
			Descriptor: filepath.Base(key.pkgDir) + "." + key.name, DefinedAt: d.at}
		for _, u := range sc.senders[key] {
			r.Senders = append(r.Senders, u.funcName+" "+u.pos)
		}
		for _, u := range sc.handlers[key] {
			r.Handlers = append(r.Handlers, u.funcName+" "+u.pos)
		}
		sort.Strings(r.Senders)
		sort.Strings(r.Handlers)
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Method < b.Method
	})
	return rows, nil
}

// parsed is one source file and its package directory.
type parsed struct {
	file *ast.File
	dir  string
}

type scanner struct {
	root      string
	fset      *token.FileSet
	withTests bool
	// defs maps a method to the variable declaring it.
	defs     map[methodID]declaration
	senders  map[descriptorKey][]use
	handlers map[descriptorKey][]use
}

func (sc *scanner) rel(path string) string {
	if r, err := filepath.Rel(sc.root, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}

func (sc *scanner) pos(p token.Pos) string {
	position := sc.fset.Position(p)
	return fmt.Sprintf("%s:%d", sc.rel(position.Filename), position.Line)
}

func (sc *scanner) scan() error {
	modPath, err := modulePath(sc.root)
	if err != nil {
		return err
	}
	var files []parsed
	err = filepath.WalkDir(sc.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != sc.root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "tools") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || (!sc.withTests && strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		f, err := parser.ParseFile(sc.fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, parsed{f, filepath.Dir(path)})
		return nil
	})
	if err != nil {
		return err
	}
	// Pass 1: string constants (topics are constants), then descriptor
	// declarations, whose topic, namespace and name are read from the
	// source: the runtime cannot always say where a package-level variable
	// was initialised.
	consts := map[string]string{} // dir + "." + name -> value
	for _, p := range files {
		for _, decl := range p.file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING && i < len(vs.Names) {
						consts[p.dir+"."+vs.Names[i].Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	for _, p := range files {
		imports := importDirs(p.file, modPath, sc.root)
		str := func(e ast.Expr) (string, bool) {
			switch x := e.(type) {
			case *ast.BasicLit:
				v, err := strconv.Unquote(x.Value)
				return v, err == nil
			case *ast.Ident:
				v, ok := consts[p.dir+"."+x.Name]
				return v, ok
			case *ast.SelectorExpr:
				if pkg, ok := x.X.(*ast.Ident); ok {
					v, ok := consts[imports[pkg.Name]+"."+x.Sel.Name]
					return v, ok
				}
			}
			return "", false
		}
		for _, decl := range p.file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, v := range vs.Values {
					call, ok := v.(*ast.CallExpr)
					if !ok || !isDefine(call) || i >= len(vs.Names) || len(call.Args) < 3 {
						continue
					}
					topic, ok1 := str(call.Args[0])
					ns, ok2 := str(call.Args[1])
					name, ok3 := str(call.Args[2])
					if !ok1 || !ok2 || !ok3 {
						return fmt.Errorf("rpcmap: %s: declare methods with constant topic, namespace and name", sc.pos(call.Pos()))
					}
					sc.defs[methodID{topic, ns, name}] = declaration{descriptorKey{p.dir, vs.Names[i].Name}, sc.pos(vs.Names[i].Pos())}
				}
			}
		}
	}
	// Pass 2: senders and handlers.
	for _, p := range files {
		imports := importDirs(p.file, modPath, sc.root)
		for _, decl := range p.file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fname := funcName(fd)
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				// X.Invoke(...) / X.Cast(...) / pkg.X.Invoke(...)
				if sel.Sel.Name == "Invoke" || sel.Sel.Name == "Cast" {
					if key, ok := resolve(sel.X, p.dir, imports); ok {
						sc.senders[key] = append(sc.senders[key], use{fname, sc.pos(call.Pos())})
					}
					return true
				}
				// rpc.HandleCall(ep, X, handler) / rpc.HandleCast(...)
				if (sel.Sel.Name == "HandleCall" || sel.Sel.Name == "HandleCast") && len(call.Args) == 3 {
					if key, ok := resolve(call.Args[1], p.dir, imports); ok {
						sc.handlers[key] = append(sc.handlers[key], use{handlerName(call.Args[2]), sc.pos(call.Args[2].Pos())})
					}
				}
				return true
			})
		}
	}
	return sc.locateHandlers(files)
}

// locateHandlers replaces handler names ("m.liveMigration") with the
// position of the method's declaration when it is a method in the same
// package.
func (sc *scanner) locateHandlers(files []parsed) error {
	methods := map[string]string{} // dir + "." + method name -> file:line
	for _, p := range files {
		for _, decl := range p.file.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok {
				methods[p.dir+"."+fd.Name.Name] = sc.pos(fd.Pos())
			}
		}
	}
	for key, uses := range sc.handlers {
		for i, u := range uses {
			name := u.funcName
			if dot := strings.LastIndex(name, "."); dot >= 0 {
				name = name[dot+1:]
			}
			if at, ok := methods[key.pkgDir+"."+name]; ok {
				uses[i].pos = at
			}
		}
	}
	return nil
}

func isDefine(call *ast.CallExpr) bool {
	fun := call.Fun
	if ix, ok := fun.(*ast.IndexListExpr); ok {
		fun = ix.X
	}
	if ix, ok := fun.(*ast.IndexExpr); ok {
		fun = ix.X
	}
	var name string
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		name = f.Sel.Name
	case *ast.Ident:
		name = f.Name
	}
	return name == "DefineCall" || name == "DefineCast"
}

// resolve names the descriptor an expression refers to: X (this package) or
// pkg.X (an imported package of this module).
func resolve(e ast.Expr, dir string, imports map[string]string) (descriptorKey, bool) {
	switch x := e.(type) {
	case *ast.Ident:
		return descriptorKey{dir, x.Name}, true
	case *ast.SelectorExpr:
		if pkg, ok := x.X.(*ast.Ident); ok {
			if d, ok := imports[pkg.Name]; ok {
				return descriptorKey{d, x.Sel.Name}, true
			}
		}
	}
	return descriptorKey{}, false
}

func importDirs(f *ast.File, modPath, root string) map[string]string {
	out := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if !strings.HasPrefix(path, modPath+"/") {
			continue
		}
		name := filepath.Base(path)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		out[name] = filepath.Join(root, strings.TrimPrefix(path, modPath+"/"))
	}
	return out
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	star := ""
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = "*", s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return "(" + star + id.Name + ")." + fd.Name.Name
	}
	return fd.Name.Name
}

func handlerName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return id.Name + "." + x.Sel.Name
		}
		return x.Sel.Name
	case *ast.Ident:
		return x.Name
	case *ast.FuncLit:
		return "func literal"
	}
	return "?"
}

func modulePath(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("rpcmap: %s is not a module root: %w", root, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "module ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "module ")), nil
		}
	}
	return "", fmt.Errorf("rpcmap: no module line in %s/go.mod", root)
}

// Markdown renders the map as the table in docs/rpc-map.md.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("# RPC map\n\n")
	b.WriteString("Every RPC method of every service, generated from the code by `novanats rpc map -o markdown`\n")
	b.WriteString("(do not edit by hand: a test fails when this file is stale). Each method is declared once;\n")
	b.WriteString("the sender is the client function that invokes the declaration, the handler the function\n")
	b.WriteString("registered for it.\n\n")
	topic := ""
	for _, r := range rows {
		if r.Topic != topic {
			if topic != "" {
				b.WriteString("\n")
			}
			topic = r.Topic
			fmt.Fprintf(&b, "## %s\n\n", topic)
			b.WriteString("| namespace | method | type | version | declared | sent by | handled by |\n")
			b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
		}
		ns := r.Namespace
		if ns == "" {
			ns = "—"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | `%s` %s | %s | %s |\n", ns, r.Method, r.CallType, r.Version,
			r.Descriptor, r.DefinedAt, cell(r.Senders), cell(r.Handlers))
	}
	return b.String()
}

func cell(items []string) string {
	if len(items) == 0 {
		return "—"
	}
	return strings.Join(items, "<br>")
}
