/**
 * What is inside a CMS SignedData (RFC 5652) and an X.509 certificate, read with the DER reader:
 * attached or detached, the embedded content, digest and signature algorithms, signed attribute
 * types, and the signer certificate's subject with the Russian identifiers (ИНН, ИНН ЮЛ, ОГРН,
 * СНИЛС). Used to check that a signature is well formed and of the expected kind, to show who
 * signed (the "Test connection" button) and, in the emulator, to map a signer to a participant.
 */
import {
  children,
  decodeOid,
  decodeString,
  decodeTime,
  DerError,
  isContext,
  isUniversal,
  octets,
  readTlv,
  TAG,
  value,
  whole,
  type Tlv,
} from './der';

export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  streebog256: '1.2.643.7.1.1.2.2',
  streebog512: '1.2.643.7.1.1.2.3',
  gost2012_256: '1.2.643.7.1.1.1.1',
  gost2012_512: '1.2.643.7.1.1.1.2',
  /** ИНН (of a person; legacy certificates carry a legal entity's INN here with two leading zeros) */
  inn: '1.2.643.3.131.1.1',
  /** ИНН ЮЛ (legal entity INN, 10 digits) */
  innLe: '1.2.643.100.4',
  ogrn: '1.2.643.100.1',
  ogrnip: '1.2.643.100.5',
  snils: '1.2.643.100.3',
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  givenName: '2.5.4.42',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  state: '2.5.4.8',
  street: '2.5.4.9',
  organisation: '2.5.4.10',
  unit: '2.5.4.11',
  title: '2.5.4.12',
  email: '1.2.840.113549.1.9.1',
} as const;

const SHORT_NAMES: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.surname]: 'SN',
  [OID.givenName]: 'G',
  [OID.country]: 'C',
  [OID.locality]: 'L',
  [OID.state]: 'ST',
  [OID.street]: 'STREET',
  [OID.organisation]: 'O',
  [OID.unit]: 'OU',
  [OID.title]: 'T',
  [OID.email]: 'E',
  [OID.inn]: 'INN',
  [OID.innLe]: 'INNLE',
  [OID.ogrn]: 'OGRN',
  [OID.ogrnip]: 'OGRNIP',
  [OID.snils]: 'SNILS',
};

export interface NameAttribute {
  oid: string;
  /** short name (CN, O, INN, INNLE, …) or the OID when unknown */
  name: string;
  value: string;
}

export interface CertificateInfo {
  der: Buffer;
  serialNumber: string;
  subject: NameAttribute[];
  issuer: NameAttribute[];
  /** `CN=…, O=…, INN=…` in certificate order */
  subjectText: string;
  issuerText: string;
  notBefore: Date;
  notAfter: Date;
  commonName?: string;
  organisation?: string;
  /** the participant INN this certificate stands for: ИНН ЮЛ, else ИНН (legacy `00` prefix removed) */
  participantInn?: string;
  /** the person's own INN (12 digits) when the certificate also carries one */
  personInn?: string;
  ogrn?: string;
  snils?: string;
  publicKeyAlgorithm: string;
}

export interface SignerInfoSummary {
  digestAlgorithm: string;
  signatureAlgorithm: string;
  signedAttributes: string[];
  serialNumber: string;
}

export interface CmsInfo {
  /** true when the signature carries no content (detached) */
  detached: boolean;
  content?: Buffer;
  contentType: string;
  digestAlgorithms: string[];
  certificates: CertificateInfo[];
  signers: SignerInfoSummary[];
  /** the certificate that matches the first signer (issuer+serial), if included */
  signerCertificate?: CertificateInfo;
  /** whether the first signer has the CAdES-BES signingCertificate(V2) attribute */
  cades: boolean;
}

function expect(cond: boolean, what: string): asserts cond {
  if (!cond) throw new DerError(what);
}

function parseName(buf: Buffer, t: Tlv): NameAttribute[] {
  expect(isUniversal(t, TAG.SEQUENCE), 'Name is not a SEQUENCE');
  const out: NameAttribute[] = [];
  for (const rdn of children(buf, t)) {
    for (const atv of children(buf, rdn)) {
      const [oidT, valT] = children(buf, atv);
      expect(oidT !== undefined && valT !== undefined, 'bad AttributeTypeAndValue');
      const oid = decodeOid(value(buf, oidT));
      out.push({ oid, name: SHORT_NAMES[oid] ?? oid, value: decodeString(buf, valT) });
    }
  }
  return out;
}

function nameText(attrs: NameAttribute[]): string {
  return attrs.map((a) => `${a.name}=${a.value}`).join(', ');
}

function digitsOnly(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s && /^\d+$/.test(s) ? s : undefined;
}

export function parseCertificate(der: Buffer): CertificateInfo {
  const cert = readTlv(der, 0);
  expect(isUniversal(cert, TAG.SEQUENCE), 'certificate is not a SEQUENCE');
  const [tbs] = children(der, cert);
  expect(tbs !== undefined && isUniversal(tbs, TAG.SEQUENCE), 'tbsCertificate missing');
  const f = children(der, tbs);
  const i = f[0] && isContext(f[0], 0) ? 1 : 0; // explicit version present?
  // serialNumber, signature algorithm, issuer, validity, subject, subjectPublicKeyInfo
  const [serialT, , issuerT, validityT, subjectT, spkiT] = f.slice(i);
  expect(!!serialT && !!issuerT && !!validityT && !!subjectT && !!spkiT, 'tbsCertificate is incomplete');
  const [nb, na] = children(der, validityT);
  expect(!!nb && !!na, 'validity is incomplete');
  const subject = parseName(der, subjectT);
  const issuer = parseName(der, issuerT);
  const [algT] = children(der, spkiT);
  const [algOidT] = algT ? children(der, algT) : [];
  const get = (oid: string): string | undefined => subject.find((a) => a.oid === oid)?.value;
  const innLe = digitsOnly(get(OID.innLe));
  const inn = digitsOnly(get(OID.inn));
  let participantInn = innLe;
  let personInn: string | undefined;
  if (inn && inn.length === 12 && inn.startsWith('00')) {
    participantInn ??= inn.slice(2);
  } else if (inn) {
    if (innLe) personInn = inn;
    else participantInn = inn;
  }
  return {
    der: Buffer.from(der.subarray(cert.start, cert.end)),
    serialNumber: value(der, serialT).toString('hex').toUpperCase(),
    subject,
    issuer,
    subjectText: nameText(subject),
    issuerText: nameText(issuer),
    notBefore: decodeTime(der, nb),
    notAfter: decodeTime(der, na),
    commonName: get(OID.commonName),
    organisation: get(OID.organisation),
    participantInn,
    personInn,
    ogrn: digitsOnly(get(OID.ogrn)) ?? digitsOnly(get(OID.ogrnip)),
    snils: digitsOnly(get(OID.snils)),
    publicKeyAlgorithm: algOidT ? decodeOid(value(der, algOidT)) : '',
  };
}

function issuerSerialOf(cert: CertificateInfo): string {
  return `${cert.issuerText}#${cert.serialNumber}`;
}

/** Parse a CMS ContentInfo holding SignedData. Throws DerError when it is not one. */
export function parseCms(der: Buffer): CmsInfo {
  const ci = readTlv(der, 0);
  expect(ci.end === der.length, 'trailing bytes after the CMS structure');
  expect(isUniversal(ci, TAG.SEQUENCE), 'ContentInfo is not a SEQUENCE');
  const [typeT, wrapT] = children(der, ci);
  expect(!!typeT && isUniversal(typeT, TAG.OID), 'ContentInfo has no content type');
  const contentType = decodeOid(value(der, typeT));
  expect(contentType === OID.signedData, `not SignedData (${contentType})`);
  expect(!!wrapT && isContext(wrapT, 0), 'SignedData missing');
  const [sd] = children(der, wrapT);
  expect(!!sd && isUniversal(sd, TAG.SEQUENCE), 'SignedData is not a SEQUENCE');
  const parts = children(der, sd);
  const [, digestAlgsT, encapT] = parts;
  expect(!!digestAlgsT && !!encapT, 'SignedData is incomplete');
  const digestAlgorithms = children(der, digestAlgsT).map((a) => {
    const [o] = children(der, a);
    return o ? decodeOid(value(der, o)) : '';
  });
  const encap = children(der, encapT);
  const eType = encap[0] ? decodeOid(value(der, encap[0])) : '';
  let content: Buffer | undefined;
  if (encap[1] && isContext(encap[1], 0)) {
    const [os] = children(der, encap[1]);
    if (os) content = octets(der, os);
  }
  const certificates: CertificateInfo[] = [];
  let signerInfosT: Tlv | undefined;
  for (const p of parts.slice(3)) {
    if (isContext(p, 0)) {
      for (const c of children(der, p)) {
        if (isUniversal(c, TAG.SEQUENCE)) certificates.push(parseCertificate(whole(der, c)));
      }
    } else if (isUniversal(p, TAG.SET)) {
      signerInfosT = p;
    }
  }
  expect(!!signerInfosT, 'SignedData has no signerInfos');
  const signers: SignerInfoSummary[] = [];
  const signerIds: string[] = [];
  for (const si of children(der, signerInfosT)) {
    const f = children(der, si);
    const sid = f[1];
    let serialNumber = '';
    let issuerText = '';
    if (sid && isUniversal(sid, TAG.SEQUENCE)) {
      const [iss, ser] = children(der, sid);
      if (iss) issuerText = nameText(parseName(der, iss));
      if (ser) serialNumber = value(der, ser).toString('hex').toUpperCase();
    }
    const digT = f[2];
    let k = 3;
    const signedAttributes: string[] = [];
    if (f[k] && isContext(f[k] as Tlv, 0)) {
      for (const attr of children(der, f[k] as Tlv)) {
        const [o] = children(der, attr);
        if (o) signedAttributes.push(decodeOid(value(der, o)));
      }
      k++;
    }
    const sigAlgT = f[k];
    const firstOid = (t: Tlv | undefined): string => {
      if (!t) return '';
      const [o] = children(der, t);
      return o ? decodeOid(value(der, o)) : '';
    };
    signers.push({
      digestAlgorithm: firstOid(digT),
      signatureAlgorithm: firstOid(sigAlgT),
      signedAttributes,
      serialNumber,
    });
    signerIds.push(`${issuerText}#${serialNumber}`);
  }
  const first = signers[0];
  const signerCertificate = certificates.find((c) => issuerSerialOf(c) === signerIds[0]);
  return {
    detached: content === undefined,
    content,
    contentType: eType,
    digestAlgorithms,
    certificates,
    signers,
    signerCertificate: signerCertificate ?? (certificates.length === 1 ? certificates[0] : undefined),
    cades:
      !!first &&
      (first.signedAttributes.includes(OID.signingCertificateV2) ||
        first.signedAttributes.includes(OID.signingCertificate)),
  };
}

/** Base64 (one line or not, PEM or bare) → DER bytes of a CMS, or undefined when it is not one. */
export function decodeSignature(text: string): Buffer | undefined {
  const body = text
    .replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '')
    .replace(/\s+/g, '')
    .trim();
  if (!body || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  const der = Buffer.from(body, 'base64');
  return der.length > 0 && der[0] === 0x30 ? der : undefined;
}
