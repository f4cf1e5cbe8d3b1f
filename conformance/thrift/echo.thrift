/*
 * echo.thrift — the IDL of Xgate's Thrift conformance peers.
 *
 * Echo is the service the gateway's end-to-end tests call; Calc is a second
 * service so a server can multiplex two (TMultiplexedProtocol names
 * "Echo:echo", "Calc:mul"). Bundle exercises every container and nesting the
 * codec's unframed walker must skip: lists, sets, maps, nested structs,
 * binary, bool fields (compact packs those into the field header) and
 * optional fields.
 *
 * Regenerate with `make gen-thrift` (see README.md); the generated code is
 * checked in so builds never need the compiler.
 */

namespace go echo

/** Item is a small nested struct. */
struct Item {
  1: string name
  2: i64 id
  3: list<i32> values
  4: optional Item child
}

/** Bundle holds every wire type and container shape. */
struct Bundle {
  1: bool flag
  2: i8 tiny
  3: i16 small
  4: i32 medium
  5: i64 large
  6: double ratio
  7: string text
  8: binary blob
  9: list<Item> items
  10: set<string> tags
  11: map<string, list<i64>> series
  12: map<i32, Item> byID
  13: optional Item main
  14: list<list<bool>> grid
  15: optional bool maybe
}

/** EchoError is the declared exception of Echo.fail. */
exception EchoError {
  1: i32 code
  2: string message
}

service Echo {
  /** echo returns msg. */
  string echo(1: string msg)
  /** add returns a + b. */
  i32 add(1: i32 a, 2: i32 b)
  /** ping takes and returns nothing (a void reply). */
  void ping()
  /** fire is oneway: no reply. */
  oneway void fire(1: string msg)
  /** fail throws EchoError (a reply carrying a declared exception). */
  string fail(1: string msg) throws (1: EchoError err)
  /** mirror returns its argument: nested structs and containers both ways. */
  Bundle mirror(1: Bundle b)
}

service Calc {
  /** mul returns a * b. */
  i64 mul(1: i64 a, 2: i64 b)
}
