// The official Postal client (npm @atech/postal 1.0.0, CommonJS, untyped), as our tests use it.
declare module '@atech/postal' {
  interface PostalMessage {
    id(): number;
    token(): string;
  }
  interface PostalSendResult {
    result: { message_id: string | null };
    recipients(): Record<string, PostalMessage>;
  }
  interface SendMessage {
    to(address: string): void;
    cc(address: string): void;
    bcc(address: string): void;
    from(address: string): void;
    subject(subject: string): void;
    tag(tag: string): void;
    replyTo(address: string): void;
    plainBody(content: string): void;
    htmlBody(content: string): void;
    header(key: string, value: string): void;
    attach(filename: string, contentType: string, data: string): void;
    send(): Promise<PostalSendResult>;
  }
  interface SendRawMessage {
    mailFrom(address: string): void;
    rcptTo(address: string): void;
    data(content: string): void;
    send(): Promise<PostalSendResult>;
  }
  const postal: {
    Client: new (host: string, serverKey: string) => object;
    SendMessage: new (client: object) => SendMessage;
    SendRawMessage: new (client: object) => SendRawMessage;
  };
  export default postal;
}
