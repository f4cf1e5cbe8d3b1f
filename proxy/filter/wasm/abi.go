package wasm

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// HostModule is the import module name of the ABI.
const HostModule = "xgate"

// ABI results (negative i32s; lengths are ≥ 0).
const (
	// ResultAbsent: no such header or property.
	ResultAbsent = -1
	// ResultPhase: not available in this phase.
	ResultPhase = -2
	// ResultInvalid: an invalid argument.
	ResultInvalid = -3
)

// Header maps.
const (
	mapRequest  = 0
	mapResponse = 1
)

var errOutOfBounds = errors.New("wasm filter: pointer and length outside the module's memory")

const i32 = api.ValueTypeI32

// instantiateHost defines the "xgate" module in rt.
func instantiateHost(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(HostModule)
	def := func(name string, fn func(in *instance, a *args) int32, params int, anytime bool) {
		ps := make([]api.ValueType, params)
		for i := range ps {
			ps[i] = i32
		}
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, s []uint64) {
			in, _ := ctx.Value(instanceKey{}).(*instance)
			switch {
			case in == nil:
				panic(errNoInstance)
			case in.h == nil && !anytime:
				s[0] = api.EncodeI32(ResultPhase) // from _initialize
				return
			}
			in.mem = mod.Memory()
			a := i32args(s)
			s[0] = api.EncodeI32(fn(in, &a))
		}), ps, []api.ValueType{i32}).Export(name)
	}
	def("get_header", hostGetHeader, 5, false)
	def("get_headers", hostGetHeaders, 3, false)
	def("set_header", hostSetHeader, 5, false)
	def("del_header", hostDelHeader, 3, false)
	def("get_body", hostGetBody, 3, false)
	def("get_property", hostGetProperty, 4, false)
	def("get_config", hostGetConfig, 2, true)
	def("reply", hostReply, 4, false)
	def("log", hostLog, 3, true)
	_, err := b.Instantiate(ctx)
	return err
}

var errNoInstance = errors.New("wasm filter: an xgate function called outside the filter")

// args are a host function's i32 parameters, as unsigned 64-bit numbers
// (so ptr+len cannot wrap). wazero leaves the upper half of an i32 stack
// slot undefined: only the lower 32 bits are the value.
type args [5]uint64

func i32args(s []uint64) args {
	var a args
	for i := range min(len(s), len(a)) {
		a[i] = uint64(uint32(s[i]))
	}
	return a
}

// read returns the module's memory at [ptr, ptr+n) (aliased), trapping
// when it is out of bounds.
func (in *instance) read(ptr, n uint64) []byte {
	if n == 0 {
		return nil
	}
	if in.mem == nil {
		panic(errOutOfBounds)
	}
	if ptr+n > uint64(in.mem.Size()) {
		panic(errOutOfBounds)
	}
	b, ok := in.mem.Read(uint32(ptr), uint32(n))
	if !ok {
		panic(errOutOfBounds)
	}
	return b
}

// answer writes v to [ptr, ptr+cap) when it fits and returns its length.
func (in *instance) answer(v []byte, ptr, capacity uint64) int32 {
	if uint64(len(v)) <= capacity && len(v) > 0 {
		copy(in.read(ptr, uint64(len(v))), v)
	}
	return int32(len(v))
}

// header returns the header map m, or a result code.
func (in *instance) header(m uint64, write bool) (xprotocol.Header, int32) {
	switch m {
	case mapRequest:
		if write && in.phase == filter.PhaseResponse {
			return nil, ResultPhase // already forwarded
		}
		return in.req.Header(), 0
	case mapResponse:
		if in.resp == nil {
			return nil, ResultPhase
		}
		return in.resp.Header(), 0
	}
	return nil, ResultInvalid
}

// tempString views b as a string for a call that does not keep it.
func tempString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// validField reports whether s may be a header name (non-empty) or value:
// no CR, LF or NUL, so no protocol's encoding can be split.
func validField(b []byte, name bool) bool {
	if name && len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}

// get_header(map, name_ptr, name_len, buf_ptr, buf_cap) -> len | -1 | -2 | -3
func hostGetHeader(in *instance, s *args) int32 {
	hdr, rc := in.header(s[0], false)
	if hdr == nil {
		return rc
	}
	name := in.read(s[1], s[2])
	v, ok := hdr.Get(tempString(name))
	if !ok {
		return ResultAbsent
	}
	return in.answer(v, s[3], s[4])
}

// get_headers(map, buf_ptr, buf_cap) -> len | -2 | -3
func hostGetHeaders(in *instance, s *args) int32 {
	hdr, rc := in.header(s[0], false)
	if hdr == nil {
		return rc
	}
	buf := in.scratch[:0]
	hdr.Range(func(k, v []byte) bool {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(k)))
		buf = append(buf, k...)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(v)))
		buf = append(buf, v...)
		return true
	})
	in.scratch = buf
	return in.answer(buf, s[1], s[2])
}

// set_header(map, name_ptr, name_len, value_ptr, value_len) -> 0 | -2 | -3
func hostSetHeader(in *instance, s *args) int32 {
	hdr, rc := in.header(s[0], true)
	if hdr == nil {
		return rc
	}
	name, value := in.read(s[1], s[2]), in.read(s[3], s[4])
	if !validField(name, true) || !validField(value, false) {
		return ResultInvalid
	}
	hdr.Set(string(name), string(value))
	return 0
}

// del_header(map, name_ptr, name_len) -> 0 | -2 | -3
func hostDelHeader(in *instance, s *args) int32 {
	hdr, rc := in.header(s[0], true)
	if hdr == nil {
		return rc
	}
	name := in.read(s[1], s[2])
	if !validField(name, true) {
		return ResultInvalid
	}
	hdr.Del(string(name))
	return 0
}

// get_body(map, buf_ptr, buf_cap) -> len | -2 | -3
func hostGetBody(in *instance, s *args) int32 {
	var fr xprotocol.Frame
	switch s[0] {
	case mapRequest:
		fr = in.req
	case mapResponse:
		if in.resp == nil {
			return ResultPhase
		}
		fr = in.resp
	default:
		return ResultInvalid
	}
	return in.answer(fr.Body(), s[1], s[2])
}

var phaseNames = [...]string{
	filter.PhaseRequest:  "request",
	filter.PhaseRouted:   "routed",
	filter.PhaseResponse: "response",
}

// get_property(name_ptr, name_len, buf_ptr, buf_cap) -> len | -1 | -3
func hostGetProperty(in *instance, s *args) int32 {
	var v []byte
	var text string
	switch tempString(in.read(s[0], s[1])) {
	case "protocol":
		text = in.req.Protocol()
	case "service":
		v = in.req.Key(xprotocol.KeyService)
	case "method":
		v = in.req.Key(xprotocol.KeyMethod)
	case "path":
		v = in.req.Key(xprotocol.KeyPath)
	case "host":
		v = in.req.Key(xprotocol.KeyHost)
	case "cluster":
		if _, cl, ok := in.h.Route(); ok {
			text = cl
		}
	case "remote_address":
		text = in.h.RemoteAddr()
	case "phase":
		text = phaseNames[in.phase]
	case "status":
		if in.resp != nil {
			text = in.resp.Status().String()
		}
	case "end_stream":
		fr := in.req
		if in.resp != nil {
			fr = in.resp
		}
		text = "false"
		if fr.EndStream() {
			text = "true"
		}
	default:
		return ResultInvalid
	}
	if text != "" {
		v = unsafe.Slice(unsafe.StringData(text), len(text)) // read only
	}
	if len(v) == 0 {
		return ResultAbsent
	}
	return in.answer(v, s[2], s[3])
}

// get_config(buf_ptr, buf_cap) -> len
func hostGetConfig(in *instance, s *args) int32 {
	c := in.f.cfg.Module
	return in.answer(unsafe.Slice(unsafe.StringData(c), len(c)), s[0], s[1])
}

// statusByName maps the generic error statuses a module may reply with.
var statusByName = func() map[string]xprotocol.Status {
	m := make(map[string]xprotocol.Status)
	for st := xprotocol.StatusNoRoute; st <= xprotocol.StatusUnknown; st++ {
		m[st.String()] = st
	}
	return m
}()

// reply(status_ptr, status_len, msg_ptr, msg_len) -> 0 | -3
func hostReply(in *instance, s *args) int32 {
	st, ok := statusByName[string(in.read(s[0], s[1]))]
	if !ok {
		return ResultInvalid
	}
	in.h.Reply(st, string(in.read(s[2], s[3])))
	return 0
}

// log(level, msg_ptr, msg_len) -> 0
func hostLog(in *instance, s *args) int32 {
	level := slog.LevelInfo
	switch int32(uint32(s[0])) {
	case 0:
		level = slog.LevelDebug
	case 2:
		level = slog.LevelWarn
	case 3:
		level = slog.LevelError
	}
	msg := in.read(s[1], s[2])
	ctx := context.Background()
	if in.f.log.Enabled(ctx, level) {
		in.f.log.Log(ctx, level, string(msg), "filter", Name, "path", in.f.cfg.Path)
	}
	return 0
}
