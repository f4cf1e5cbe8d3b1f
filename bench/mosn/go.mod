module github.com/xgate/xgate/bench/mosn

go 1.26

require (
	mosn.io/api v1.3.0
	mosn.io/mosn v1.3.0
	mosn.io/pkg v1.3.0
)

require (
	github.com/apache/dubbo-go-hessian2 v1.10.2 // indirect
	github.com/c2h5oh/datasize v0.0.0-20171227191756-4eba002a5eae // indirect
	github.com/dubbogo/gost v1.11.16 // indirect
	github.com/golang/protobuf v1.5.0 // indirect
	github.com/hashicorp/go-syslog v1.0.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/rcrowley/go-metrics v0.0.0-20200313005456-10cdbea86bc0 // indirect
	golang.org/x/crypto v0.0.0-20220214200702-86341886e292 // indirect
	golang.org/x/sys v0.0.0-20220227234510-4e6760a101f9 // indirect
	google.golang.org/protobuf v1.27.1 // indirect
	gopkg.in/natefinch/lumberjack.v2 v2.0.0 // indirect
	mosn.io/proxy-wasm-go-host v0.2.1-0.20221123073237-4f948bf02510 // indirect
)
