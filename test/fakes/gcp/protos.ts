// The KeyManagementService definition from the .proto files that ship inside the installed
// @google-cloud/kms (and google-gax for the google/api, google/protobuf imports): the fake speaks
// exactly the wire format the SDK under test was generated from.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

export function kmsServiceDefinition(): grpc.ServiceDefinition {
  const kmsMain = require.resolve('@google-cloud/kms');
  const kmsRoot = join(dirname(kmsMain), '..', 'protos');
  const gaxRoot = join(dirname(createRequire(kmsMain).resolve('google-gax')), '..', 'protos');
  const definition = loader.loadSync('google/cloud/kms/v1/service.proto', {
    includeDirs: [join(kmsRoot), gaxRoot],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: {
      cloud: { kms: { v1: { KeyManagementService: { service: grpc.ServiceDefinition } } } };
    };
  };
  return pkg.google.cloud.kms.v1.KeyManagementService.service;
}
