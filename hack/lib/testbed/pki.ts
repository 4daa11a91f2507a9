// Certificates for a local control plane, made with openssl: a CA, a serving certificate for
// 127.0.0.1/localhost, client certificates (admin in system:masters), and the ServiceAccount
// token signing key pair.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./process.ts";

export interface Pki {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly saKey: string;
  readonly saPub: string;
}

const openssl = (args: readonly string[], cwd: string): Promise<string> => run("openssl", args, { cwd, label: "openssl" });

export async function createPki(dir: string): Promise<Pki> {
  const p = (f: string): string => join(dir, f);
  await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3", "-subj", "/CN=envelope-testbed-ca", "-keyout", p("ca.key"), "-out", p("ca.crt")], dir);
  writeFileSync(p("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  await signed(dir, "server", "/CN=kube-apiserver", "server.ext");
  writeFileSync(p("client.ext"), "extendedKeyUsage=clientAuth\n");
  await signed(dir, "admin", "/O=system:masters/CN=testbed-admin", "client.ext");
  await openssl(["genrsa", "-out", p("sa.key"), "2048"], dir);
  await openssl(["rsa", "-in", p("sa.key"), "-pubout", "-out", p("sa.pub")], dir);
  return {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
    saKey: p("sa.key"),
    saPub: p("sa.pub"),
  };
}

async function signed(dir: string, name: string, subject: string, extFile: string): Promise<void> {
  await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.csr`], dir);
  await openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "3", "-extfile", extFile, "-out", `${name}.crt`], dir);
}
